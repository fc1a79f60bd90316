"""Drive the site in real headless Chromium: follow links, run an example query in the
editor, switch language, expand the neighbourhood drawing, and prove a script in a label
never runs. Every page visited is saved under test-artifacts/screenshots/."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.conftest import screenshot, screenshot_viewport
from tests.http.site_support import SCRIPT_IRI, SCRIPT_LABEL
from tests.live_server import LiveServer

WAIT_S = 20
PHONE_PAGES = (
    ("/", "16-phone-home"),
    ("/doc/organisatie/ministerie-jenv", "17-phone-entity"),
    ("/tijdlijn", "18-phone-timeline"),
    ("/query", "19-phone-query"),
    ("/aanbevelingen", None),
    ("/actoren", None),
    ("/documenten", None),
    ("/onderzoek", None),
    ("/cijfers", None),
    ("/def", None),
    ("/zoeken?q=ckm", None),
)


def _wait(driver: WebDriver) -> WebDriverWait:
    return WebDriverWait(driver, WAIT_S)


def _h1(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def _severe_console_messages(driver: WebDriver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _click_link(driver: WebDriver, href: str) -> None:
    link = driver.find_element(By.CSS_SELECTOR, f'main a[href="{href}"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()


def test_home_leads_to_an_actor_a_recommendation_and_a_commitment(
    page: WebDriver, site: LiveServer
) -> None:
    """From the home page, through the overviews, to three entity pages."""
    page.get(site.base_url + "/")
    assert _h1(page) == "Mensenhandel-KG"
    assert page.find_element(By.CSS_SELECTOR, "table.counts tbody tr")
    screenshot(page, "01-home")

    page.find_element(By.LINK_TEXT, "Actoren").click()
    _wait(page).until(seen.url_contains("/actoren"))
    screenshot(page, "02-actors")
    _click_link(page, "/doc/organisatie/ckm")
    _wait(page).until(seen.url_contains("/doc/organisatie/ckm"))
    assert _h1(page) == "Centrum tegen Kinderhandel en Mensenhandel"
    assert "CKM" in page.find_element(By.CSS_SELECTOR, "mark").text
    screenshot(page, "03-actor-ckm")

    page.find_element(By.LINK_TEXT, "Aanbevelingen").click()
    _wait(page).until(seen.url_contains("/aanbevelingen"))
    screenshot(page, "04-recommendations")
    _click_link(page, "/doc/aanbeveling/dadermonitor-2")
    _wait(page).until(seen.url_contains("/doc/aanbeveling/dadermonitor-2"))
    assert _h1(page).startswith("Aanbeveling 2 Dadermonitor")
    assert page.find_elements(
        By.CSS_SELECTOR, "table.incoming a[href='/doc/besluit/dadermonitor-2']"
    )
    screenshot(page, "05-recommendation")

    page.find_element(By.LINK_TEXT, "Tijdlijn").click()
    _wait(page).until(seen.url_contains("/tijdlijn"))
    assert page.find_elements(By.CSS_SELECTOR, ".timeline .status-past")
    screenshot(page, "06-timeline")
    _click_link(page, "/doc/toezegging/gesprek-resocialisatie")
    _wait(page).until(seen.url_contains("/doc/toezegging/gesprek-resocialisatie"))
    assert "gesprek" in _h1(page).lower()
    marks = page.find_elements(By.CSS_SELECTOR, ".passages mark")
    assert marks and all(mark.is_displayed() for mark in marks)
    screenshot(page, "07-commitment")
    assert _severe_console_messages(page) == []


def test_the_editor_runs_an_example_query_and_shows_its_rows(
    page: WebDriver, site: LiveServer
) -> None:
    """Choose a named example, run it, see its rows labelled, a chart and downloads."""
    page.get(site.base_url + "/query")
    editor = _wait(page).until(seen.visibility_of_element_located((By.CSS_SELECTOR, ".cm-content")))
    assert not page.find_element(By.ID, "query-text").is_displayed()  # replaced by the editor
    assert page.find_elements(By.CSS_SELECTOR, ".cm-content .tok-keyword, .cm-content span")
    Select(page.find_element(By.ID, "example-select")).select_by_value("verdachten-per-jaar")
    _wait(page).until(lambda d: "geregistreerde-verdachten" in editor.text)
    assert "Registered suspects" in page.find_element(By.ID, "example-summary").text
    page.find_element(By.ID, "run-query").click()
    rows = _wait(page).until(
        seen.presence_of_all_elements_located((By.CSS_SELECTOR, "#results-table tbody tr"))
    )
    cells = [row.text for row in rows]
    assert len(cells) == 2
    assert "2016" in cells[0] and "285" in cells[0]
    assert "2019" in cells[1] and "170" in cells[1]
    observation = page.find_element(By.CSS_SELECTOR, "#results-table a[href^='/doc/observatie/']")
    assert observation.text and not observation.text.startswith("http")  # labelled
    assert page.find_elements(By.CSS_SELECTOR, "#result-chart svg rect")
    downloads = [
        a.get_attribute("href") for a in page.find_elements(By.CSS_SELECTOR, "#download-links a")
    ]
    assert any("format=csv" in href for href in downloads)
    assert any("format=json" in href for href in downloads)
    assert "/query?query=" in page.current_url  # shareable
    screenshot(page, "08-query-results")
    assert _severe_console_messages(page) == []


def test_the_editor_marks_errors_and_completes_prefixes(page: WebDriver, site: LiveServer) -> None:
    """A syntax error gets a marker; typing a known prefix offers it and declares it."""
    page.get(site.base_url + "/query")
    content = _wait(page).until(seen.element_to_be_clickable((By.CSS_SELECTOR, ".cm-content")))
    content.click()
    content.send_keys(Keys.CONTROL, "a")
    content.send_keys(Keys.DELETE)
    content.send_keys("SELECT * WHERE { ?s ?p ")
    _wait(page).until(seen.presence_of_element_located((By.CSS_SELECTOR, ".cm-lintRange-error")))
    content.send_keys(Keys.CONTROL, "a")
    content.send_keys(Keys.DELETE)
    content.send_keys("SELECT * WHERE { ?s a sko")
    option = _wait(page).until(
        seen.visibility_of_element_located((By.CSS_SELECTOR, ".cm-tooltip-autocomplete li"))
    )
    assert "skos:" in option.text
    content.send_keys(Keys.ENTER)
    _wait(page).until(
        lambda d: "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>" in content.text
    )
    screenshot(page, "09-query-editor-help")


def test_the_query_page_works_without_javascript(page: WebDriver, site: LiveServer) -> None:
    """With scripts off the form is a plain GET that renders rows on the server."""
    page.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        page.get(site.base_url + "/query?example=verdachten-per-jaar")
        assert page.find_element(By.ID, "query-text").is_displayed()
        page.find_element(By.ID, "run-query").click()
        _wait(page).until(seen.presence_of_element_located((By.CSS_SELECTOR, ".results-table")))
        rows = page.find_elements(By.CSS_SELECTOR, ".results-table tbody tr")
        assert len(rows) == 2
        screenshot(page, "10-query-without-javascript")
    finally:
        page.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def test_switching_to_english_follows_the_visitor(page: WebDriver, site: LiveServer) -> None:
    """The English switch changes labels and stays on for the links followed after it."""
    page.get(site.base_url + "/doc/organisatie/ministerie-jenv")
    assert _h1(page) == "Ministerie van Justitie en Veiligheid"
    page.find_element(By.ID, "switch-en").click()
    _wait(page).until(lambda d: _h1(d) == "Ministry of Justice and Security")
    assert page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert "funded by" in page.find_element(By.TAG_NAME, "main").text
    screenshot(page, "11-english-entity")
    _click_link(page, "/doc/activiteit/pilot-oost-brabant?lang=en")
    _wait(page).until(seen.url_contains("pilot-oost-brabant"))
    assert "Oost-Brabant" in _h1(page)
    assert page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    page.get(site.base_url + "/tijdlijn")  # no parameter: the cookie remembers
    assert _h1(page) == "Timeline"
    screenshot(page, "12-english-timeline")


def test_the_neighbourhood_drawing_expands_on_click_and_keyboard(
    page: WebDriver, site: LiveServer
) -> None:
    """Choosing a node fetches its neighbours and adds them to the drawing."""
    page.get(site.base_url + "/doc/organisatie/ckm")
    figure = _wait(page).until(
        seen.presence_of_element_located((By.CSS_SELECTOR, "#graph-drawing.is-interactive"))
    )
    page.execute_script("arguments[0].scrollIntoView()", figure)
    before = int(figure.get_attribute("data-nodes"))
    node = page.find_element(
        By.CSS_SELECTOR, "#graph-drawing g.node[data-iri$='/id/document/voorbij-de-pixels']"
    )
    node.click()
    _wait(page).until(lambda d: int(figure.get_attribute("data-nodes")) > before)
    after_click = int(figure.get_attribute("data-nodes"))
    assert (
        page.find_element(By.ID, "graph-open")
        .get_attribute("href")
        .endswith("/doc/document/voorbij-de-pixels")
    )
    others = page.find_elements(By.CSS_SELECTOR, "#graph-drawing g.node:not(.is-expanded)")
    assert others
    others[0].send_keys(Keys.ENTER)  # the nodes are keyboard controls too
    _wait(page).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#graph-drawing g.node.is-expanded")) >= 3
    )
    assert int(figure.get_attribute("data-nodes")) >= after_click
    screenshot(page, "13-neighbourhood-expanded")
    assert _severe_console_messages(page) == []


def test_ontology_and_statistics_pages(page: WebDriver, site: LiveServer) -> None:
    """A term IRI lands on its section; the statistics are drawn as SVG charts."""
    page.get(site.base_url + "/def#Recommendation")
    section = page.find_element(By.ID, "Recommendation")
    assert "aanbeveling" in section.text
    screenshot(page, "14-ontology")
    page.get(site.base_url + "/cijfers")
    assert len(page.find_elements(By.CSS_SELECTOR, "svg.bar-chart rect")) >= 4
    screenshot(page, "15-statistics")


def test_a_phone_sized_screen_needs_no_sideways_scrolling(
    page: WebDriver, site: LiveServer
) -> None:
    """At 375 px wide the pages reflow instead of overflowing."""
    # A headless window cannot be made that narrow; emulate a phone's viewport instead.
    phone = {"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": True}
    page.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", phone)
    try:
        for path, name in PHONE_PAGES:
            page.get(site.base_url + path)
            width, overflow = page.execute_script(
                "var root = document.documentElement;"
                "return [root.clientWidth, root.scrollWidth - root.clientWidth]"
            )
            assert width == 375
            assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
            if name:
                height = page.execute_script("return document.documentElement.scrollHeight")
                page.execute_cdp_cmd(
                    "Emulation.setDeviceMetricsOverride", {**phone, "height": min(height, 4000)}
                )
                screenshot_viewport(page, name)
                page.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", phone)
    finally:
        page.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_keyboard_users_can_skip_to_the_content(page: WebDriver, site: LiveServer) -> None:
    """The first Tab reaches the skip link, which moves focus to the main content."""
    page.get(site.base_url + "/aanbevelingen")
    page.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = page.switch_to.active_element
    assert focused.get_attribute("class") == "skip-link"
    assert focused.is_displayed()
    focused.send_keys(Keys.ENTER)
    assert page.switch_to.active_element.get_attribute("id") == "main"
    outline = page.execute_script(
        "var a = document.querySelector('main a'); a.focus();"
        "return getComputedStyle(a).outlineStyle"
    )
    assert outline not in ("", "none")


def test_a_script_in_a_label_never_runs(page: WebDriver, hostile_site: LiveServer) -> None:
    """A label `<script>window.pwned = true</script>…` is shown as text and does not run."""
    for path in (f"/doc/{SCRIPT_IRI[3:]}", "/doc/organisatie/neighbour", "/zoeken?q=script"):
        page.get(hostile_site.base_url + path)
        _wait(page).until(lambda d: d.execute_script("return document.readyState") == "complete")
        assert page.execute_script("return window.pwned === undefined")
    page.get(hostile_site.base_url + f"/doc/{SCRIPT_IRI[3:]}")
    assert _h1(page) == SCRIPT_LABEL
    _wait(page).until(
        seen.presence_of_element_located((By.CSS_SELECTOR, "#graph-drawing.is-interactive"))
    )
    assert page.execute_script("return window.pwned === undefined")
    screenshot(page, "20-script-label-escaped")
