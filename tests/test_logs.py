import json
import logging

from tanggap.logs import JsonLines


def test_log_lines_are_json_with_ids_and_nothing_else_from_extra():
    record = logging.LogRecord("tanggap.x", logging.INFO, __file__, 1, "order received", None, None)
    record.order_id = "01ORDER"
    record.password = "hunter2"
    line = json.loads(JsonLines().format(record))
    assert line["order_id"] == "01ORDER" and line["message"] == "order received"
    assert "password" not in line and "hunter2" not in json.dumps(line)
