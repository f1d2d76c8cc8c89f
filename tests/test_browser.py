"""End to end in a real browser: `streamlit run app.py`, headless Chromium, one cited answer.

What AppTest cannot see is checked here: the page really renders, Enter in the chat box
asks, the [n] link and the context expander work, the figure is visibly marked, headings
show without their ``#``, and Streamlit's own English uploader words are replaced by ours.
The app runs with the repository's ``.streamlit/config.toml`` (headless, no file watcher).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, stop

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
QUESTION = "科学城核心区2021年GDP增长多少?"
SCREENSHOT_COPY = Path("/tmp/wenbao-answer.png")
START_TIMEOUT = 90.0
ANSWER_TIMEOUT = 120.0
ISOLATED_ENV = ("WENBAO_", "CHROMA_", "OPENAI_", "LLM_")

pytestmark = pytest.mark.slow

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit was not healthy within {START_TIMEOUT:.0f} s")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, sample_index_dir: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free port over a copy of the sample index.

    Only the port and address are given: everything else comes from .streamlit/config.toml.
    """
    tmp_path = tmp_path_factory.mktemp("browser")
    index = tmp_path / "index"
    shutil.copytree(sample_index_dir, index)
    port = _free_port()
    # Module-scoped, so set up before the per-test environment isolation: do it here.
    env = {k: v for k, v in os.environ.items() if not k.startswith(ISOLATED_ENV)}
    env |= {"WENBAO_INDEX": str(index), "HOME": str(tmp_path)}
    log = tmp_path / "streamlit.log"
    command = [
        *(sys.executable, "-m", "streamlit", "run", str(REPO / "app.py")),
        *("--server.port", str(port), "--server.address", "127.0.0.1"),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, process, log)
            yield url
        finally:
            stop(process)


@pytest.fixture(scope="module")
def driver() -> Iterator[object]:
    """Headless Chromium from Debian, driven by the system chromedriver (nothing downloaded)."""
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not binary.exists():
            pytest.skip(f"{binary} is missing: apt-get install chromium chromium-driver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--window-size=1280,1700",
        "--lang=zh-CN",
    ):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield browser
    finally:
        browser.quit()


def test_question_in_the_browser_shows_the_marked_figure_in_its_source(
    driver: object, app_url: str, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    assert isinstance(driver, WebDriver)
    driver.get(app_url)
    box = WebDriverWait(driver, START_TIMEOUT).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']"))
    )
    box.send_keys(QUESTION, Keys.ENTER)

    answer = WebDriverWait(driver, ANSWER_TIMEOUT).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, ".wb-answer"))
    )
    assert "12.9%" in answer.text
    link = answer.find_element(By.CSS_SELECTOR, "sup a")
    target = link.get_attribute("href") or ""
    assert "#src-" in target
    link.click()
    source = driver.find_element(By.ID, target.split("#", 1)[1])
    assert "12.9%" in source.find_element(By.CSS_SELECTOR, "mark.wb-fig").text
    assert "记者" in source.find_element(By.CSS_SELECTOR, ".wb-meta").text  # the byline

    summaries = driver.find_elements(By.CSS_SELECTOR, "[data-testid='stExpander'] summary")
    expander = next(s for s in summaries if "上下文" in s.text)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", expander)
    expander.click()
    marked = WebDriverWait(driver, 20).until(
        lambda d: [
            m
            for m in d.find_elements(By.CSS_SELECTOR, ".wb-context mark")
            if "12.9%" in m.text  # .text is only what is rendered visibly
        ]
    )
    assert marked[0].is_displayed()
    context = marked[0].find_element(By.XPATH, "ancestor::div[@class='wb-context']")
    assert "# " not in context.text and "##" not in context.text  # headings without markers

    time.sleep(1)  # let the expander finish opening before the screenshot
    driver.execute_script("window.scrollTo(0, 0)")
    for scroller in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stMain']"):
        driver.execute_script("arguments[0].scrollTop = 0", scroller)
    shot = tmp_path / "answer.png"
    assert driver.save_screenshot(str(shot))
    shutil.copyfile(shot, SCREENSHOT_COPY)


def _after(driver: object, element: object) -> str:
    """The text CSS puts after ``element`` (its ``::after`` content), quotes removed."""
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(driver, WebDriver)
    script = "return getComputedStyle(arguments[0], '::after').content"
    return str(driver.execute_script(script, element)).strip('"')


def test_the_uploader_speaks_chinese_and_names_the_real_limit(driver: object, app_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    assert isinstance(driver, WebDriver)
    driver.get(app_url)
    zone = WebDriverWait(driver, START_TIMEOUT).until(
        ec.visibility_of_element_located(
            (By.CSS_SELECTOR, "[data-testid='stFileUploaderDropzone']")
        )
    )
    uploader = driver.find_element(By.CSS_SELECTOR, "[data-testid='stFileUploader']")
    assert "上传文章（每个文件不超过 50 MB）" in uploader.text
    for english in ("Upload", "per file", "200MB", "Drag and drop", "Browse"):
        assert english not in uploader.text, english
    assert _after(driver, zone.find_element(By.TAG_NAME, "button")) == "选择文件"
    instructions = zone.find_element(
        By.CSS_SELECTOR, "[data-testid='stFileUploaderDropzoneInstructions'] > div"
    )
    assert "每个不超过 50 MB" in _after(driver, instructions)

    driver.execute_script(  # a file dragged over the drop zone
        "const dt = new DataTransfer();"
        "dt.items.add(new File(['x'], 'a.txt', {type: 'text/plain'}));"
        "arguments[0].dispatchEvent(new DragEvent('dragenter',"
        " {dataTransfer: dt, bubbles: true, cancelable: true}));",
        zone,
    )
    overlay = WebDriverWait(driver, 10).until(
        lambda d: d.find_element(
            By.CSS_SELECTOR, "[data-testid='stFileUploaderDropzoneInput'] + div"
        )
    )
    assert "Drag and drop" not in uploader.text
    assert _after(driver, overlay) == "松开鼠标即可上传"
