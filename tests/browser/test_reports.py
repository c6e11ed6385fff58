"""A report's page in a real browser: the vendored Chart.js draws the chart from the page's JSON
data, beside the table, with no CSP violation and no script error."""

import pytest

from tests.browser.test_csp import WATCH_VIOLATIONS
from tests.conftest import PASSWORD
from tests.factories import make_property, make_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_report_page_draws_its_chart_within_the_policy(page, live_server, sign_in, tenant_a_admin, contacts_a):
    from reports import services

    make_property(
        tenant_a_admin,
        contacts_a,
        "mood",
        data_type="enumeration",
        sensitivity="sensitive",
        options=[{"value": "calm", "label": "Calm"}, {"value": "tense", "label": "Tense"}],
    )
    for i, mood in enumerate(["calm", "calm", "tense"]):
        make_record(tenant_a_admin, contacts_a, firstname=f"P{i}", mood=mood)
    spec = services.ReportSpec(name="Moods", object_type=contacts_a, group_by="mood")
    report = services.report_create(actor=tenant_a_admin, spec=spec)
    problems: list[str] = []
    page.add_init_script(WATCH_VIOLATIONS)
    page.on("console", lambda message: "CSP violation" in message.text and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    sign_in("ada@acme.test", PASSWORD)
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Moods").click()

    canvas = page.locator("canvas#report-chart[data-drawn=true]")
    canvas.wait_for()
    assert page.url.endswith(f"/reports/{report.pk}/")
    assert page.evaluate("document.getElementById('report-chart').chart.data.datasets[0].data") == [2, 1]
    painted = page.evaluate(
        """() => { const c = document.getElementById('report-chart');
                   const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let n = 0; for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) n++; return n; }"""
    )
    assert painted > 1000  # bars, axes and labels drawn
    assert page.locator("#report-table").get_by_role("cell", name="Tense").is_visible()
    assert problems == []
