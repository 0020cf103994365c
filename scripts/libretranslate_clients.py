#!/usr/bin/python3
"""fanyi-serve as LibreTranslate's clients use it: libretranslatepy (PyPI) calls, and the requests
of the npm `libretranslate` wrapper, Discourse's and Nextcloud's integrations reproduced with the
bodies they send. Run by scripts/test-libretranslate.sh against a running server.

    libretranslate_clients.py URL
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from libretranslatepy import LibreTranslateAPI

url = sys.argv[1]
checks = []


def check(name, condition, detail=""):
    checks.append((name, bool(condition)))
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f"  ({detail})"), flush=True)


def has_han(text):
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def post(path, data, content_type):
    request = urllib.request.Request(url + path, data=data, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read().decode())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode())


# libretranslatepy: form bodies, as a new user would call it.
lt = LibreTranslateAPI(url)
languages = lt.languages()
check("libretranslatepy languages()", {entry["code"] for entry in languages} == {"en", "zh"}, languages)
english = lt.translate("Select the cell range.", "en", "zh")
check("libretranslatepy translate() en → zh", has_han(english) and "单元格" in english, english)
chinese = lt.translate("选择单元格区域。", "zh", "en")
check("libretranslatepy translate() zh → en", "cell" in chinese.lower(), chinese)
detected = lt.detect("Select the cell range and click the button.")
check("libretranslatepy detect() English", detected[0]["language"] == "en", detected)
detected = lt.detect("选择单元格区域，然后点击按钮。")
check("libretranslatepy detect() Chinese", detected[0]["language"] == "zh", detected)
auto = lt.translate("选择单元格区域。", "auto", "en")
check("libretranslatepy translate() with auto", "cell" in auto.lower(), auto)
keyed = LibreTranslateAPI(url, api_key="not-needed")
check("libretranslatepy with an api_key the server does not need", has_han(keyed.translate("Click OK.", "en", "zh")))

# The npm wrapper: JSON with apiKey in camelCase.
status, answer = post("/translate", json.dumps({"q": "Click OK.", "source": "en", "target": "zh", "apiKey": "x"}).encode(),
                      "application/json")
check("npm libretranslate request (JSON, apiKey)", status == 200 and has_han(answer["translatedText"]), answer)

# Nextcloud: /languages, then /detect, then /translate with the detected language (JSON).
status, answer = post("/detect", json.dumps({"q": "Opens the Print dialog."}).encode(), "application/json")
language = answer[0]["language"] if status == 200 else None
status, answer = post("/translate", json.dumps({"q": "Opens the Print dialog.", "source": language, "target": "zh",
                                                "format": "text"}).encode(), "application/json")
check("Nextcloud sequence (/detect then /translate)", language == "en" and status == 200 and has_han(answer["translatedText"]), answer)

# Discourse: form bodies, format=html, q as the cooked post.
form = urllib.parse.urlencode({"q": "<p>Select the <strong>cell range</strong>.</p>", "source": "en", "target": "zh",
                               "format": "html", "api_key": ""}).encode()
status, answer = post("/translate", form, "application/x-www-form-urlencoded")
text = answer.get("translatedText", "")
check("Discourse request (form, format=html)", status == 200 and text.startswith("<p>") and "<strong>" in text and has_han(text),
      answer)
status, answer = post("/detect", urllib.parse.urlencode({"q": "选择单元格区域。"}).encode(), "application/x-www-form-urlencoded")
check("Discourse /detect (form) read as [0].language", status == 200 and answer[0]["language"] == "zh", answer)

# Errors are JSON with "error".
status, answer = post("/translate", urllib.parse.urlencode({"q": "x", "source": "en", "target": "fr"}).encode(),
                      "application/x-www-form-urlencoded")
check("an unsupported pair is a 400 with a JSON error", status == 400 and "error" in answer, answer)

failed = sum(1 for _, ok in checks if not ok)
print(f"libretranslate clients: {len(checks) - failed} passed, {failed} failed", flush=True)
sys.exit(1 if failed else 0)
