"""The Content-Security-Policy as the browser applies it: an injected inline script and an inline
event handler are refused and reported (so the journeys' violation check can fail), while the
page's own scripts run."""

import pytest

from tests.e2e.conftest import csp_violations


@pytest.mark.allow_csp_violations
def test_inline_script_is_refused_and_reported(page, live_server, site_pages):
    seen = csp_violations(page)
    page.goto(f"{live_server.url}/en/")
    # Our own scripts ran: early.js marked the document as scripted.
    assert page.evaluate("document.documentElement.classList.contains('js')")
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.__injected = true';
        document.body.appendChild(script);
        const div = document.createElement('div');
        div.innerHTML = '<img src="/static/img/favicon.svg" onload="window.__handler = true">';
        document.body.appendChild(div);
    }""")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__injected === undefined")
    assert page.evaluate("window.__handler === undefined")
    assert any("inline" in message for message in seen), seen
