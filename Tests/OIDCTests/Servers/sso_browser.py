#!/usr/bin/env python3
"""Signs in to drwatch's web app through the test OpenID provider in headless Chromium
(Selenium with Debian's chromium and chromedriver), then signs out, and prints what it saw
as one JSON object on stdout. Screenshots of each page go to --shots.

    sso_browser.py --base http://127.0.0.1:PORT --shots DIR
"""
import argparse, json, os, sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "BrowserSupport"))
from page_swap import click_and_wait  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--base", required=True)
p.add_argument("--shots", required=True)
p.add_argument("--next", default="/")
a = p.parse_args()

o = webdriver.ChromeOptions()
o.binary_location = "/usr/bin/chromium"
for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1000,900",
            "--no-first-run", "--disable-extensions"):
    o.add_argument(arg)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
d.set_page_load_timeout(60)
seen = {}


try:
    def shot(name):
        d.save_screenshot(os.path.join(a.shots, name + ".png"))

    d.get(a.base + "/sign-in" + ("?next=" + a.next if a.next != "/" else ""))
    shot("01-sign-in")
    button = d.find_element(By.CSS_SELECTOR, "a[href^='/sign-in/oidc']")
    seen["button"] = button.text
    # -> provider /authorize -> drwatch callback -> the next page
    click_and_wait(d, button, lambda url: url.startswith(a.base) and "/sign-in/oidc" not in url)
    seen["after_sign_in_url"] = d.current_url
    seen["after_sign_in_h1"] = d.find_element(By.TAG_NAME, "h1").text
    seen["after_sign_in_text"] = d.find_element(By.TAG_NAME, "body").text
    seen["cookies"] = sorted(c["name"] for c in d.get_cookies())
    shot("02-signed-in")
    click_and_wait(d, d.find_element(By.CSS_SELECTOR, "form[action='/sign-out'] button"))
    seen["after_sign_out_url"] = d.current_url
    seen["after_sign_out_text"] = d.find_element(By.TAG_NAME, "body").text
    shot("03-signed-out")
    links = d.find_elements(By.CSS_SELECTOR, "a[data-end-session]")
    seen["end_session_link"] = links[0].get_attribute("href") if links else None
    if links:
        click_and_wait(d, links[0])
        seen["provider_logout_text"] = d.find_element(By.TAG_NAME, "body").text
        shot("04-provider-signed-out")
    d.get(a.base + "/")
    seen["after_sign_out_home_url"] = d.current_url
finally:
    d.quit()
json.dump(seen, sys.stdout)
