#!/usr/bin/env python3
"""The page served by fanyi-serve, in headless Chromium (selenium + chromium-driver).

Loads the page, picks English → Chinese, types a sentence, clicks Translate and reads the Chinese
result and its heatmap; translates with Ctrl-Enter; checks that an error is shown in the page;
saves desktop and phone-width screenshots and checks that the phone width needs no sideways scroll.
Run by scripts/test-browser.sh, which starts the server.
"""
import argparse
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--screenshots", required=True, help="folder for page.png and phone.png")
parser.add_argument("--char-limit", type=int, required=True, help="the server's --char-limit")
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
    check("the language list shows both served pairs",
          sorted(o.get_attribute("value") for o in pair.options) == ["en|zh", "zh|en"])
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
    wait.until(lambda d: "单元格" in output.text and not error.is_displayed())
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    check("at phone width the page needs no sideways scrolling", overflow <= 0)
    driver.save_screenshot(os.path.join(args.screenshots, "phone.png"))
finally:
    driver.quit()

failed = sum(1 for _, ok in checks if not ok)
print(f"browser test: {len(checks) - failed} passed, {failed} failed", flush=True)
sys.exit(1 if failed else 0)
