"""Language routing on real sentences: id, ms, jv, su, ar, en; "und" when unsure."""

import pytest

from tanggap.detect.language import detect_language, family, readable_by


@pytest.mark.parametrize(("language", "text"), [
    # from the training data (netifier, id-hatespeech) and everyday posts
    ("id", "Jangan takut membahas khilafah. Karena khilafah itu bagian dari Islam, kita harus percaya janji Allah"),
    ("id", "gw gak ngerti kenapa mereka pada ribut soal ini, udah deh jangan diperpanjang"),
    ("id", "Resep rendang padang yang enak dan mudah dibuat di rumah untuk keluarga"),
    ("ms", "Orang kafir tak takut hina Islam sebab Orang Melayu kat sini reti berdemo berguling je"),
    ("ms", "Kerajaan tak nak bagi bantuan sebab mereka kata duit dah habis, macam mana ni"),
    ("jv", "Aku ora ngerti kowe arep lunga menyang ngendi, wis bengi ngene"),
    ("jv", "Wong kok ra ngerti isin, kabeh dipangan dewe, piye to iki"),
    ("su", "Abdi teu terang kumaha carana, urang mah ngan ukur nuturkeun wae"),
    ("su", "Ari sarua beki mah repeh monyet, naon atuh nu dipikahayang ku anjeun teh"),
    ("ar", "بسم الله الرحمن الرحيم الحمد لله رب العالمين"),
    ("en", "The soldiers of the caliphate attacked the positions of the apostates in the north"),
    ("en", "My best RTs this week came from these accounts, who were yours?"),
])
def test_real_sentences_route_to_their_language(language, text):
    assert detect_language([text]) == language


@pytest.mark.parametrize("texts", [[], [""], ["ok"], ["😂😂"], ["https://t.me/x"], ["Jakarta 2019"]])
def test_too_little_evidence_is_und(texts):
    assert detect_language(texts) == "und"


def test_a_channel_is_judged_on_all_its_posts():
    posts = ["mantap", "siap laksanakan", "kita tidak akan mundur, ini untuk umat yang tertindas"]
    assert detect_language(posts) == "id"


def test_malay_ties_go_to_indonesian_and_route_as_one_family():
    assert detect_language(["yang dan ini itu"]) == "id"
    assert family("ms") == "id" and family("jv") == "jv" and family(None) is None
    assert readable_by("ms", ["id"]) and readable_by("id", ("ms",))
    assert not readable_by("jv", ["id"]) and not readable_by("ar", ["id", "en"])
    assert readable_by("und", ["en"]) and readable_by(None, [])
