"""The web page in a real browser: Debian's chromium, headless, driven by
python3-selenium through chromium-driver. Logs in, regenerates a
certificate after its confirmation, uploads a chain, adds a device and
schedules CAPF, and sees the Certificate Monitor's alarm. Saves a screenshot
of each page in OUT.

usage: /usr/bin/python3 browser.py URL USER PASSWORD CHAIN OUT"""
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

url, user, password, chain, out = sys.argv[1:6]
os.makedirs(out, exist_ok=True)

opts = webdriver.ChromeOptions()
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
          "--disable-dev-shm-usage"):
    opts.add_argument(a)
# the cluster's own self-signed tomcat certificate
opts.accept_insecure_certs = True
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"),
                          options=opts)
driver.set_page_load_timeout(60)


def shot(name):
    driver.save_screenshot(os.path.join(out, "web-%s.png" % name))


def check(cond, what):
    if not cond:
        shot("failure")
        print("FAIL: " + what + "\n" + driver.page_source[:3000])
        driver.quit()
        sys.exit(1)


def click(id_):
    """Clicks id_ and waits, bounded, until the page it submits or links to
    has replaced this one: a POST and its redirect take a moment."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, id_).click()
    WebDriverWait(driver, 30).until(EC.staleness_of(old))


def text(id_):
    # a click's POST and its redirect may still be loading: wait, bounded
    return WebDriverWait(driver, 30).until(
        EC.presence_of_element_located((By.ID, id_))).text


try:
    # every page starts at the login page
    driver.get(url + "/certificates")
    check(driver.current_url.endswith("/login"), "not sent to the login page")
    shot("login")
    driver.find_element(By.ID, "user").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    click("login")
    check(driver.current_url.endswith("/certificates"), "login did not land on the list")
    check("tomcat" in driver.page_source, "the list has no tomcat certificate")
    shot("certificates")

    # the tomcat certificate, its fingerprints, then regenerate after confirming
    driver.get(url + "/certificate?id=tomcat/cucm1")
    before = driver.find_element(By.CSS_SELECTOR, "table.fields").text
    check("SHA-256" in before, "no fingerprints on the certificate page")
    click("regenerate")
    check("replaces its key" in text("confirmtext"), "no confirmation before regenerating")
    check("Impact on phones" in text("plan") and "would be stranded" in text("plan"),
          "no change-impact plan before regenerating: " + text("plan"))
    shot("regenerate-confirm")
    click("confirm")
    check(text("status") == "Success.", "regenerate failed: " + driver.page_source[:500])
    shot("regenerate-done")
    driver.get(url + "/certificate?id=tomcat/cucm1")
    after = driver.find_element(By.CSS_SELECTOR, "table.fields").text
    check(after != before, "the tomcat certificate did not change")

    # upload a chain (a CA and an intermediate) into CallManager-trust
    driver.get(url + "/certificate/upload")
    Select(driver.find_element(By.ID, "purpose")).select_by_visible_text("CallManager-trust")
    driver.find_element(By.ID, "file").send_keys(chain)
    shot("upload")
    click("uploadbtn")
    check(text("status") == "Success.", "the upload failed: " + driver.page_source[:800])
    check("Lab Intermediate" in text("output"), "the upload's report lacks the intermediate")
    shot("upload-done")

    # add a phone, then schedule a CAPF install by authentication string
    driver.get(url + "/devices")
    driver.find_element(By.ID, "devname").send_keys("SEP0011223344AA")
    driver.find_element(By.ID, "model").send_keys("CP-8865")
    Select(driver.find_element(By.ID, "profile")).select_by_visible_text("authenticated")
    click("save")
    check(text("devtitle") == "SEP0011223344AA", "the phone's page did not open")
    Select(driver.find_element(By.ID, "operation")).select_by_visible_text("install")
    Select(driver.find_element(By.ID, "auth_mode")).select_by_value("string")
    driver.find_element(By.ID, "auth_string").send_keys("123456")
    click("schedule")
    check("install" in text("capf"), "the CAPF operation is not shown")
    check("pending" in text("history").lower(), "the CAPF history has no pending row: "
          + text("history"))
    shot("device")

    # the ITL viewer
    driver.get(url + "/trustlist?kind=itl")
    check("CallManager" in text("tlist") or "CCM" in text("tlist"), "the ITL is not shown")
    shot("itl")

    # the alarm the monitor raised for the intermediate that expires soon
    driver.get(url + "/alarms")
    check("Lab Intermediate" in text("alarms"), "no alarm for the expiring certificate")
    shot("alarms")

    driver.get(url + "/audit")
    check("alice" in text("audit"), "the audit log does not name alice")
    shot("audit")

    click("logout")
    check(driver.current_url.endswith("/login"), "logout did not end at the login page")
    driver.get(url + "/devices")
    check(driver.current_url.endswith("/login"), "a page opened after logout")
finally:
    driver.quit()
print("browser: ok")
