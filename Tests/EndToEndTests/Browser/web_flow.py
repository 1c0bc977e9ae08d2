"""The staff web app in a real headless Chromium (Selenium with Debian's chromedriver), one
browser session for every person (cookies cleared between them):

  1. an IRO signs in from the emailed link and raises a dispute (after a refused first try);
  2. the daemon's poll (`drwatch tick`) emails the Team Manager, whose message links to the
     dispute's page; the Team Manager signs in from that link and records a response
     ("Record your response", refused once without text), then asks for a pause; the next poll
     emails the Head of Service - Safeguarding, who signs in from that email and approves it;
  3. the IRO service manager sees it on the overview (paused: waiting for nobody) and opens the reports;
  4. the IRO sees it paused in My work, restarts the clock, is asked to decide, sees the
     response and resolves the dispute;
  5. the admin opens the outbox.

A screenshot of every page goes to SHOTS; axe-core checks every page and the run fails on any
serious or critical violation. Run by Tests/EndToEndTests/WebBrowserTests.swift.

usage: web_flow.py BASE_URL OUTBOX_DIR SHOTS_DIR DRWATCH_BINARY CONFIG
"""
import email
import json
import os
import re
import subprocess
import sys
import time

from axe_selenium_python import Axe

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "BrowserSupport"))
from page_swap import click_and_wait  # noqa: E402
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

base, outbox, shots, drwatch, config = sys.argv[1:6]
os.makedirs(shots, exist_ok=True)
problems = []
pages = []
started = time.monotonic()

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1100,1400",
          "--no-first-run", "--disable-extensions"):
    options.add_argument(a)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
d.set_page_load_timeout(60)


def check(name):
    """Screenshot (whole page height) and axe-core check of the current page."""
    n = len(pages) + 1
    height = d.execute_script("return Math.max(document.body.scrollHeight, 600)")
    d.set_window_size(1100, min(int(height) + 120, 5000))
    path = os.path.join(shots, f"{n:02d}-{name}.png")
    d.save_screenshot(path)
    d.set_window_size(1100, 1400)
    axe = Axe(d)
    axe.inject()
    result = axe.run()
    bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
    for v in bad:
        problems.append(f"{name}: axe {v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} node(s): {v['nodes'][0]['target']})")
    pages.append({"page": name, "url": d.current_url.replace(base, ""), "screenshot": path,
                  "axe_violations": [f"{v['impact']} {v['id']}" for v in result["violations"]]})


def expect(cond, what):
    if not cond:
        problems.append(f"{what} (at {d.current_url.replace(base, '')})")


def go(element):
    """Clicks a link or button and waits (at most 60 s) until the next page has replaced this one
    and has loaded."""
    click_and_wait(d, element)


def body():
    return d.find_element(By.TAG_NAME, "body").text


def mails(to):
    """The text parts of the emails to `to` in the outbox, oldest first."""
    out = []
    if not os.path.isdir(outbox):
        return out
    for name in sorted(os.listdir(outbox), key=lambda n: os.path.getmtime(os.path.join(outbox, n))):
        if not name.endswith(".eml"):
            continue
        m = email.message_from_bytes(open(os.path.join(outbox, name), "rb").read())
        if to not in (m.get("To") or ""):
            continue
        for part in m.walk():
            if part.get_content_type() == "text/plain":
                out.append((m.get("Subject"), part.get_payload(decode=True).decode()))
    return out


def sign_in(address, name):
    """On the sign-in page: ask for a link, open the one emailed, press Sign in."""
    expect("/sign-in" in d.current_url, f"{name}: expected the sign-in page")
    before = len(mails(address))
    d.find_element(By.ID, "email").send_keys(address)
    go(d.find_element(By.CSS_SELECTOR, "form[action='/sign-in'] button"))
    expect("Check your email" in body(), f"{name}: expected 'Check your email'")
    check(f"{name}-check-email")
    sent = mails(address)
    expect(len(sent) == before + 1, f"{name}: expected one new sign-in email")
    link = re.search(r"https?://\S+/sign-in/link\?token=[A-Za-z0-9_-]+", sent[-1][1]).group(0)
    d.get(link)
    check(f"{name}-sign-in-link")
    go(d.find_element(By.CSS_SELECTOR, "form[action='/sign-in/link'] button"))


def fill(field_id, text):
    e = d.find_element(By.ID, field_id)
    e.clear()
    e.send_keys(text)


def select(field_id, value):
    d.find_element(By.CSS_SELECTOR, f"#{field_id} option[value='{value}']").click()


try:
    # 1. The IRO.
    d.get(base + "/")
    check("sign-in")
    sign_in("iro@council.example", "iro")
    expect(d.current_url.rstrip("/") == base, "iro: expected My work after signing in")
    check("iro-my-work")
    go(d.find_element(By.LINK_TEXT, "Raise a dispute"))
    check("raise-form")
    # six-stage-drp is loaded too: its IRO limit depends on the child's status, so the form asks.
    expect("Some limits depend on it" in body(), "raise: the child's status field and its hint")
    select("child-status", "cp-cin")
    select("category", "care-plan-implementation")
    select("type", "D")
    fill("team", "North")
    fill("person-team-manager", "tm.smith@council.example")
    go(d.find_element(By.CSS_SELECTOR, "form[action='/raise'] button[type=submit]"))
    expect("There is a problem" in body(), "raise without a reference: expected the error summary")
    expect(d.find_element(By.ID, "team").get_attribute("value") == "North", "raise refused: what was typed is kept")
    expect(d.find_element(By.ID, "child-status").get_attribute("value") == "cp-cin", "raise refused: the child's status is kept")
    check("raise-refused")
    d.find_element(By.CSS_SELECTOR, ".error-summary a[href='#ref']").click()
    expect(d.switch_to.active_element.get_attribute("id") == "ref", "the error summary links to the field")
    fill("ref", "WEB-1")
    go(d.find_element(By.CSS_SELECTOR, "form[action='/raise'] button[type=submit]"))
    expect("The dispute is raised" in body(), "raise: expected the dispute page")
    dispute_path = d.current_url.replace(base, "").split("?")[0]
    check("iro-dispute-raised")

    # 2. The daemon's poll emails the Team Manager with a link to the dispute's page.
    tick = subprocess.run([drwatch, "tick", "--config", config], capture_output=True, text=True, timeout=30)
    expect(tick.returncode == 0, f"drwatch tick failed: {tick.stderr.strip()}")
    notices = [t for s, t in mails("tm.smith@council.example") if "WEB-1" in (s or "") + t]
    expect(len(notices) >= 1, "the Team Manager is emailed about WEB-1")
    links = re.findall(r"https?://\S+/disputes/\d+\S*", notices[-1]) if notices else []
    expect(len(links) >= 1, "the Team Manager's email links to the dispute's page")
    expect(all("WEB-1" not in l and "token" not in l for l in links), "the link carries no case reference and no sign-in")
    d.delete_all_cookies()
    d.get(links[0] if links else base + dispute_path)
    sign_in("tm.smith@council.example", "team-manager")
    expect(d.current_url.replace(base, "").split("#")[0].split("?")[0] == dispute_path, "team manager: lands on the dispute's page")
    check("team-manager-dispute")
    expect(d.find_element(By.ID, "respond-title").text == "Record your response", "team manager: offered 'Record your response'")
    # Refused first (nothing typed): the error summary links to the field.
    go(d.find_element(By.ID, "respond-submit"))
    expect("There is a problem" in body(), "respond without text: expected the error summary")
    check("team-manager-respond-refused")
    fill("respond-text", "Meeting booked for Thursday; care plan review on the 10th")
    go(d.find_element(By.ID, "respond-submit"))
    expect("Your response is recorded" in body(), "team manager: the response is confirmed")
    expect("Responded: Meeting booked for Thursday" in body(), "team manager: the response is in the history")
    expect("the raiser decides next" in body(), "team manager: the page says the raiser decides next")
    expect(not d.find_elements(By.ID, "respond-title"), "team manager: a stage is answered once")
    expect(not d.find_elements(By.ID, "resolve-title"), "team manager: is not offered to resolve")
    check("team-manager-responded")

    # 2b. The Team Manager may not pause under four-stage: they ask; the daemon's poll emails the
    # Head of Service - Safeguarding, who signs in from the email's link, sees the request in My
    # work too, and approves it (the clock pauses). A later poll emails nobody again.
    fill("request-pause-reason", "Parent in hospital until the 14th")
    go(d.find_element(By.ID, "request-pause-submit"))
    expect("Your request to pause the clock is recorded" in body(), "team manager: the pause request is confirmed")
    expect("Waiting for Head of Service - Safeguarding" in body(), "team manager: the request waits for the approver")
    check("team-manager-pause-requested")
    hos = "head-of-service-safeguarding@council.example"
    tick = subprocess.run([drwatch, "tick", "--config", config], capture_output=True, text=True, timeout=30)
    expect(tick.returncode == 0, f"drwatch tick failed: {tick.stderr.strip()}")
    asks = [t for s, t in mails(hos) if (s or "").startswith("Pause requested")]
    expect(len(asks) == 1, "the approver is emailed about the pause request, once")
    ask_links = re.findall(r"https?://\S+/disputes/\d+#actions", asks[-1]) if asks else []
    expect(len(ask_links) == 1 and ask_links[0].replace(base, "") == dispute_path + "#actions",
           "the approver's email links to the dispute's actions")
    d.delete_all_cookies()
    d.get(ask_links[0] if ask_links else base + dispute_path)
    sign_in(hos, "hos-safeguarding")
    expect(d.current_url.replace(base, "").split("#")[0].split("?")[0] == dispute_path, "approver: lands on the dispute's page")
    check("hos-safeguarding-pause-request")
    d.get(base + "/")
    expect("Approve or decline a pause asked for by tm.smith@council.example" in body(), "approver: the request is in My work")
    check("hos-safeguarding-my-work")
    go(d.find_element(By.LINK_TEXT, "WEB-1"))
    go(d.find_element(By.ID, "approve-pause-submit"))
    expect("The pause request is approved" in body(), "approver: approved")
    expect("Clock paused, agreed by head-of-service-safeguarding@council.example" in body(), "approver: the pause is in the history")
    check("hos-safeguarding-approved")
    tick = subprocess.run([drwatch, "tick", "--config", config], capture_output=True, text=True, timeout=30)
    expect(len([1 for s, _ in mails(hos) if (s or "").startswith("Pause requested")]) == 1, "approved: the approver is not emailed again")

    # 3. The IRO service manager.
    d.delete_all_cookies()
    d.get(base + "/overview")
    sign_in("iro.manager@council.example", "manager")
    expect("/overview" in d.current_url, "manager: lands on the overview")
    expect("WEB-1" in body(), "manager: sees WEB-1 on the overview")
    expect("Nobody while the clock is paused" in body(), "manager: paused, WEB-1 waits for nobody")
    expect("IRO/CP Chair Dispute Resolution Process (four stages)" in body(), "manager: the procedure by its title")
    check("manager-overview")
    select("team", "North")
    go(d.find_element(By.CSS_SELECTOR, "form.filters button"))
    expect("WEB-1" in body(), "manager: WEB-1 under team North")
    d.get(base + "/reports")
    check("manager-reports")

    # 4. The IRO resolves.
    d.delete_all_cookies()
    d.get(base + "/")
    sign_in("iro@council.example", "iro-again")
    expect("Where you need to act (0)" in body(), "iro: paused, nothing is asked of the IRO")
    expect("Waiting for: Nobody while the clock is paused" in body(), "iro: My work says WEB-1 is paused")
    check("iro-my-work-paused")
    # The reason for the pause has passed: the IRO restarts the clock, and is asked to decide.
    go(d.find_element(By.LINK_TEXT, "WEB-1"))
    go(d.find_element(By.ID, "resume-submit"))
    expect("The clock has restarted" in body(), "iro: the clock restarted")
    d.get(base + "/")
    expect("Decide after the response" in body(), "iro: My work asks for a decision after the response")
    check("iro-my-work-decide")
    go(d.find_element(By.LINK_TEXT, "WEB-1"))
    expect("Meeting booked for Thursday" in body(), "iro: sees the team manager's response")
    fill("resolve-outcome", "Care plan amended")
    go(d.find_element(By.ID, "resolve-submit"))
    expect("The dispute is recorded as resolved" in body(), "iro: resolved")
    check("iro-resolved")

    # 5. The admin.
    d.delete_all_cookies()
    d.get(base + "/admin/outbox")
    sign_in("admin@council.example", "admin")
    expect("/admin/outbox" in d.current_url, "admin: lands on the outbox")
    check("admin-outbox")
except Exception as e:  # a missing element: report it with where the browser was
    problems.append(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''} (at {d.current_url.replace(base, '')})")
    try:
        d.save_screenshot(os.path.join(shots, "failure.png"))
    except Exception:
        pass
finally:
    d.quit()

print(json.dumps({"seconds": round(time.monotonic() - started, 1), "pages": pages, "problems": problems}, indent=1))
sys.exit(1 if problems else 0)
