"""Registers the ``chromium`` marker (select the browser tests with ``pytest -m chromium``)."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "chromium: needs a headless Chromium on PATH (Debian package chromium)"
    )
