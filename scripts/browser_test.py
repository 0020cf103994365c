#!/usr/bin/env python3
"""The page served by fanyi-serve, in headless Chromium (selenium + chromium-driver).

Loads the page, picks English → Chinese, types a sentence, clicks Translate and reads the Chinese
result and its heatmap; translates with Ctrl-Enter; copies the translation to the clipboard;
detects the source language; reloads a translation from its address; translates a .docx in the
Files tab and downloads it; checks that an error is shown in the page; saves desktop and
phone-width screenshots and checks that the phone width needs no sideways scroll.
Run by scripts/test-browser.sh, which starts the server.
"""
import argparse
import os
import sys
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--screenshots", required=True, help="folder for page.png and phone.png")
parser.add_argument("--char-limit", type=int, required=True, help="the server's --char-limit")
parser.add_argument("--file", required=True, help="a .docx to translate in the Files tab")
args = parser.parse_args()

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"]:
    options.add_argument(flag)
# The Debian driver, never one fetched from the network.
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 60)
checks = []


def check(name, condition):
    checks.append((name, bool(condition)))
    print(("ok   " if condition else "FAIL ") + name, flush=True)


def has_han(text):
    return any("\u4e00" <= c <= "\u9fff" for c in text)


try:
    driver.get(args.url)
    wait.until(lambda d: len(Select(d.find_element(By.ID, "pair")).options) >= 2)
    pair = Select(driver.find_element(By.ID, "pair"))
    check("the language list shows both served pairs and 'Detect language' into each target",
          sorted(o.get_attribute("value") for o in pair.options) == ["auto|en", "auto|zh", "en|zh", "zh|en"])
    pair.select_by_value("en|zh")

    source = driver.find_element(By.ID, "source")
    output = driver.find_element(By.ID, "output")
    source.send_keys("Select the cell range.")
    driver.find_element(By.ID, "translate").click()
    wait.until(lambda d: has_han(output.text))
    print("translation: " + output.text, flush=True)
    check("clicking Translate shows a Chinese translation of 'Select the cell range.'", "单元格" in output.text)
    rows = driver.find_elements(By.CSS_SELECTOR, "#heatmap-grid tbody tr")
    check("a single sentence shows its attention heatmap", driver.find_element(By.ID, "heatmap").is_displayed() and len(rows) > 0)
    labels = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#heatmap-grid thead th span")]
    check("heatmap labels are the source words without joiner marks", labels == ["Select", "the", "cell", "range", "."])
    words = driver.find_elements(By.CSS_SELECTOR, "#output span.word")
    check("each word of the translation carries its confidence",
          len(words) > 0 and all(w.get_attribute("title").startswith("confidence ") for w in words))
    shaded = [w for w in words if w.get_attribute("data-unsure") is not None]
    low = [w for w in words if float(w.get_attribute("title").split()[1]) < 0.5]
    check("exactly the words under 0.5 are shaded", len(shaded) == len(low))
    check("the sentence confidence is shown", driver.find_element(By.ID, "sure").text.startswith("confidence "))
    os.makedirs(args.screenshots, exist_ok=True)
    driver.save_screenshot(os.path.join(args.screenshots, "page.png"))

    # A sentence the model is unsure of, to show the shading.
    source.clear()
    source.send_keys("Zorbly the flimwaggle with a quuxed snorklet.")
    previous = output.text
    driver.find_element(By.ID, "translate").click()
    wait.until(lambda d: output.text != previous)
    unsure = driver.find_elements(By.CSS_SELECTOR, "#output span.word[data-unsure]")
    print(f"unsure words in a made-up sentence: {len(unsure)}", flush=True)
    check("a made-up sentence has shaded words", len(unsure) > 0)
    driver.save_screenshot(os.path.join(args.screenshots, "unsure.png"))
    shaded_text = output.text
    shade = driver.find_element(By.ID, "shade")
    shade.click()
    driver.find_element(By.ID, "translate").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#output span.word")) == 0)
    check("without shading the same translation shows as plain text",
          output.text == shaded_text and driver.find_element(By.ID, "sure").text == "")
    shade.click()

    source.clear()
    source.send_keys("Click OK.")
    previous = output.text
    source.send_keys(Keys.CONTROL, Keys.ENTER)
    wait.until(lambda d: output.text != previous and has_han(output.text))
    check("Ctrl-Enter translates 'Click OK.'", "确定" in output.text)

    # Copy: the clipboard then holds the translation.
    origin = args.url.rstrip("/")
    driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": origin, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    copy = driver.find_element(By.ID, "copy")
    copy.click()
    wait.until(lambda d: copy.text == "Copied")
    clipboard = driver.execute_async_script("navigator.clipboard.readText().then(arguments[0], e => arguments[0]('error: ' + e))")
    check("Copy puts the translation on the clipboard", clipboard == output.text and "确定" in clipboard)

    # The address holds the pair and the text: opening it again translates the same.
    check("the address holds source, target and text",
          "q=Click+OK." in driver.current_url and "source=en" in driver.current_url and "target=zh" in driver.current_url)
    driver.get(args.url + "?" + urllib.parse.urlencode({"source": "zh", "target": "en", "q": "选择单元格区域。"}))
    output = driver.find_element(By.ID, "output")
    source = driver.find_element(By.ID, "source")
    wait.until(lambda d: "cell" in d.find_element(By.ID, "output").text.lower())
    check("an address with source, target and q translates on load",
          Select(driver.find_element(By.ID, "pair")).first_selected_option.get_attribute("value") == "zh|en"
          and source.get_attribute("value") == "选择单元格区域。")
    check("the page shows the server's character limit", f"/ {args.char_limit}" in driver.find_element(By.ID, "count").text)

    # Detect language: the server reads English and says so.
    Select(driver.find_element(By.ID, "pair")).select_by_value("auto|zh")
    source.clear()
    source.send_keys("Select the cell range. Then click OK.")
    driver.find_element(By.ID, "translate").click()
    wait.until(lambda d: has_han(d.find_element(By.ID, "output").text))
    detected = driver.find_element(By.ID, "detected").text
    print("detected: " + detected, flush=True)
    check("'Detect language' translates and shows the language found", detected.startswith("detected English ("))
    driver.save_screenshot(os.path.join(args.screenshots, "detected.png"))

    # Files: a Word document in, a download link out, and the link gives the translated file.
    driver.find_element(By.ID, "tab-files").click()
    check("the Files tab lists the formats", ".docx" in driver.find_element(By.ID, "file-formats").text)
    driver.find_element(By.ID, "file").send_keys(os.path.abspath(args.file))
    driver.find_element(By.ID, "translate-file").click()
    link = driver.find_element(By.ID, "file-link")
    wait.until(lambda d: link.is_displayed())
    href = link.get_attribute("href")
    print("file: " + link.text + " → " + href, flush=True)
    with urllib.request.urlopen(href, timeout=60) as response:
        body = response.read()
    check("a .docx translated in the Files tab downloads as a Word file",
          "/download_file/" in href and link.text.endswith(".zh.docx") and body[:2] == b"PK" and len(body) > 1000)
    driver.save_screenshot(os.path.join(args.screenshots, "files.png"))
    driver.find_element(By.ID, "tab-text").click()
    Select(driver.find_element(By.ID, "pair")).select_by_value("en|zh")

    source.clear()
    source.send_keys("a" * (args.char_limit + 1))
    driver.find_element(By.ID, "translate").click()
    error = driver.find_element(By.ID, "error")
    wait.until(lambda d: error.is_displayed())
    check("a text over the server's limit shows the server's error in the page", "characters in one request" in error.text)

    driver.set_window_size(390, 844)
    source.clear()
    source.send_keys("Select the cell range.")
    driver.find_element(By.ID, "translate").click()
    wait.until(lambda d: d.find_element(By.ID, "translate").text == "Translate" and "单元格" in output.text and not error.is_displayed())
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    check("at phone width the page needs no sideways scrolling", overflow <= 0)
    driver.save_screenshot(os.path.join(args.screenshots, "phone.png"))
finally:
    driver.quit()

failed = sum(1 for _, ok in checks if not ok)
print(f"browser test: {len(checks) - failed} passed, {failed} failed", flush=True)
sys.exit(1 if failed else 0)
