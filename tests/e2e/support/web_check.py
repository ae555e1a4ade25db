#!/usr/bin/python3
"""Drives the DNS Reverse page (admin/http/web/index.html) in headless Chromium.

    web_check.py BASE_URL TOKEN DNS_PORT

Signs in with the token, sets a PTR through the Set dialog and sees it Active, checks
with dig that rdnsd answers it, edits it, opens its detail page, unsets it (confirm
dialog), and sees the page's error messages for a bad name and for an address outside
the token's prefixes. Each step prints a line; any failure raises (exit 1).
"""
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

BASE, TOKEN, DNS_PORT = sys.argv[1], sys.argv[2], sys.argv[3]


def dig(ip):
    out = subprocess.run(["dig", "+short", "+tries=1", "+time=2", "-p", DNS_PORT, "@127.0.0.1",
                          "-x", ip], capture_output=True, text=True, timeout=10).stdout
    return out.strip()


def wait(what, fn, limit=10):
    end = time.time() + limit
    while time.time() < end:
        try:
            v = fn()
            if v:
                return v
        except Exception:  # the element is being re-rendered
            pass
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def row(driver, ip):
    return driver.find_element(By.CSS_SELECTOR, f'tr[data-ip="{ip}"]')


def cell(driver, ip, cls):
    return row(driver, ip).find_element(By.CSS_SELECTOR, "td." + cls).text


def open_menu(driver, ip, action):
    r = row(driver, ip)
    r.find_element(By.XPATH, ".//button[text()='More']").click()
    r.find_element(By.XPATH, f".//button[@role='menuitem' and text()='{action}']").click()


def set_dialog(driver, name, ttl="", description=None):
    field = driver.find_element(By.ID, "set-name")
    field.clear()
    field.send_keys(name)
    if description is not None:
        d = driver.find_element(By.ID, "set-description")
        d.clear()
        d.send_keys(description)
    t = driver.find_element(By.ID, "set-ttl")
    t.clear()
    t.send_keys(ttl)
    driver.find_element(By.ID, "set-save").click()


def main():
    opts = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1200,900"]:
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        driver.get(BASE + "/")
        token = wait("the sign-in form", lambda: driver.find_element(By.ID, "token"))
        token.send_keys(TOKEN + Keys.ENTER)
        wait("the list", lambda: row(driver, "192.0.2.5"))
        assert cell(driver, "192.0.2.10", "name") == "www.example.net", "seed shown"
        assert cell(driver, "192.0.2.5", "name") == "", "unset address empty"
        print("signed in; the list shows the token's addresses")

        open_menu(driver, "192.0.2.5", "Set")
        set_dialog(driver, "web.example.com", "600", "the web")
        wait("Active", lambda: cell(driver, "192.0.2.5", "status") == "Active")
        assert cell(driver, "192.0.2.5", "name") == "web.example.com"
        wait("dig", lambda: dig("192.0.2.5") == "web.example.com.")
        print("set through the dialog: Active, and dig answers it")

        open_menu(driver, "192.0.2.5", "Set")
        assert driver.find_element(By.ID, "set-name").get_attribute("value") == "web.example.com"
        set_dialog(driver, "www2.example.com", "")
        wait("the edit", lambda: cell(driver, "192.0.2.5", "name") == "www2.example.com")
        wait("dig after the edit", lambda: dig("192.0.2.5") == "www2.example.com.")
        print("edited; dig follows")

        row(driver, "192.0.2.5").find_element(By.LINK_TEXT, "192.0.2.5").click()
        dd = wait("the detail page", lambda: driver.find_element(
            By.CSS_SELECTOR, 'dd[data-field="PTR Domain Name"]'))
        wait("the detail's name", lambda: dd.text == "www2.example.com")
        ident = driver.find_element(By.CSS_SELECTOR, 'dd[data-field="ID"]').text
        assert len(ident) == 36, ident
        assert driver.find_element(By.CSS_SELECTOR, 'dd[data-field="Status"]').text == "Active"
        driver.find_element(By.LINK_TEXT, "\u2190 DNS Reverse").click()
        wait("the list again", lambda: row(driver, "192.0.2.5"))
        print("detail page shows the record")

        open_menu(driver, "192.0.2.5", "Set")
        set_dialog(driver, "bad..name")
        err = driver.find_element(By.ID, "set-error").text
        assert "fully qualified" in err, err
        driver.find_element(By.ID, "set-cancel").click()
        print("a bad name is refused with a message:", err)

        driver.find_element(By.ID, "set-other").click()
        driver.find_element(By.ID, "set-ip").send_keys("192.0.2.200")
        set_dialog(driver, "out.example.com")
        err = wait("the API's error", lambda: driver.find_element(By.ID, "set-error").text)
        assert "outside the token's prefixes" in err, err
        driver.find_element(By.ID, "set-cancel").click()
        assert dig("192.0.2.200") == ""
        print("an address outside the prefixes: the API's message:", err)

        open_menu(driver, "192.0.2.5", "Unset")
        wait("the confirm dialog", lambda: driver.find_element(By.ID, "unset-text").text)
        driver.find_element(By.ID, "unset-confirm").click()
        wait("the unset", lambda: cell(driver, "192.0.2.5", "name") == "")
        wait("dig after unset", lambda: dig("192.0.2.5") == "")
        print("unset through the confirm dialog; dig has nothing")

        driver.find_element(By.ID, "filter").send_keys("www.example")
        wait("the filter", lambda: len(driver.find_elements(By.CSS_SELECTOR, "#rows tr")) == 1)
        print("the filter narrows the list")
        driver.set_window_size(390, 800)
        assert row(driver, "192.0.2.10").is_displayed()
        print("phone width: rows still shown")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
