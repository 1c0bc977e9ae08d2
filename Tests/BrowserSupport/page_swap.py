"""Shared by the browser tests (Tests/EndToEndTests/Browser/web_flow.py and
Tests/OIDCTests/Servers/sso_browser.py): click, then wait for the next page, not for time."""
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def click_and_wait(d, element, settled=lambda url: True, timeout=60):
    """Clicks `element`, then waits (at most `timeout` s) until the page that held it is gone, the
    new one has loaded and its address satisfies `settled` (a chain of redirects may pass through
    another site first). Chromium answers a query about a node of a page being replaced either
    with a stale-element error or, in the middle of the swap, with an inspector error ("Node with
    given id does not belong to the document"): both mean the old page is gone."""
    old = d.find_element(By.TAG_NAME, "html")
    element.click()

    def replaced(_):
        try:
            old.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if "does not belong to the document" in str(e) or "No node with given id" in str(e):
                return True
            raise
    WebDriverWait(d, timeout).until(replaced)
    WebDriverWait(d, timeout).until(lambda _: d.execute_script("return document.readyState") == "complete"
                                    and settled(d.current_url))
