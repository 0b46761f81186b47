from tests.conftest import bearer  # noqa: F401  (the web tests import it from here)
