"""End to end in a real browser: `streamlit run app.py`, headless Chromium, one cited answer
and one fact-check.

What AppTest cannot see is checked here: the page really renders, Enter in the chat box
asks, the [n] link and the context expander work, the figure is visibly marked, headings
show without their ``#``, the note of what the quote's 今年 means (the page is dated with
``--date``) shows under the quote, and Streamlit's own English uploader words are replaced by ours.
In the 核查 tab: a pasted text is checked, its claims are marked inline in their verdict's
colour, and a click on a claim opens its evidence with the figure marked.
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

from ingest.pipeline import IngestOptions, ingest_paths
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from tests.conftest import REPO, SAMPLE, stop

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
QUESTION = "科学城核心区2021年GDP增长多少?"
PAGE_DATE = "2022-10-20"  # the sample page's date, given as `ingest --date` would
PERIOD_NOTE = "今年前三季度 = 2022年1月—9月"  # what the cited passage's 今年前三季度 means
SCREENSHOT_COPY = Path("/tmp/wenbao-answer.png")
CHECK_SCREENSHOT_COPY = Path("/tmp/wenbao-check.png")
# Our own sentences about the sample page: a right figure, and a 亿 written as 万.
RIGHT_CLAIM = "西部(重庆)科学城核心区已引进招商项目317个，合同投资额3141.9亿元。"
WRONG_CLAIM = "国核铀业2021年的营业收入为32万元。"
SUPPORTED_COLOUR = "rgb(21, 128, 61)"  # ui.style.VERDICT_COLOURS["supported"][0]
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
def app_url(
    tmp_path_factory: pytest.TempPathFactory, sample_index_dir: Path, embedder: WenBaoEmbeddings
) -> Iterator[str]:
    """`streamlit run app.py` on a free port over a copy of the sample index, the page dated
    ``PAGE_DATE`` as ``ingest --date`` does (the file is unchanged: nothing is embedded).

    Only the port and address are given: everything else comes from .streamlit/config.toml.
    """
    tmp_path = tmp_path_factory.mktemp("browser")
    index = tmp_path / "index"
    shutil.copytree(sample_index_dir, index)
    dating = Index(Settings(index_dir=index), embedder)
    try:
        ingest_paths([SAMPLE], dating, IngestOptions(date=PAGE_DATE))
    finally:
        dating.close()
    port = _free_port()
    # Module-scoped, so set up before the per-test environment isolation: do it here.
    env = {k: v for k, v in os.environ.items() if not k.startswith(ISOLATED_ENV)}
    env |= {"WENBAO_INDEX": str(index), "HOME": str(tmp_path), "WENBAO_AUTH": "off"}
    _share_model_cache(tmp_path)
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
    source = WebDriverWait(driver, 20).until(  # the citation panel may render after the answer
        ec.presence_of_element_located((By.ID, target.split("#", 1)[1]))
    )
    assert "12.9%" in source.find_element(By.CSS_SELECTOR, "mark.wb-fig").text
    assert "记者" in source.find_element(By.CSS_SELECTOR, ".wb-meta").text  # the byline
    notes = source.find_elements(By.CSS_SELECTOR, ".period-note")
    assert PERIOD_NOTE in [n.text for n in notes if n.is_displayed()]
    assert "= 2022年" not in source.find_element(By.CSS_SELECTOR, ".wb-quote").text

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


def test_a_pasted_claim_is_marked_inline_and_opens_on_its_marked_evidence(
    driver: object, app_url: str, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    assert isinstance(driver, WebDriver)
    driver.get(app_url)
    tab = WebDriverWait(driver, START_TIMEOUT).until(
        lambda d: next(
            (t for t in d.find_elements(By.CSS_SELECTOR, "[role='tab']") if t.text == "核查"),
            None,
        )
    )
    assert tab is not None
    tab.click()
    area = WebDriverWait(driver, 20).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='stTextArea'] textarea"))
    )
    area.send_keys("据报道，" + RIGHT_CLAIM + WRONG_CLAIM)
    area.send_keys(Keys.CONTROL, Keys.ENTER)  # commits the text, as leaving the box does
    time.sleep(1)
    button = next(
        b
        for b in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stBaseButton-primary']")
        if b.is_displayed() and "核查" in b.text
    )
    button.click()

    claims = WebDriverWait(driver, ANSWER_TIMEOUT).until(
        lambda d: [
            c for c in d.find_elements(By.CSS_SELECTOR, "details.wb-claim") if c.is_displayed()
        ]
    )
    assert len(claims) == 2
    right, wrong = claims
    assert "wb-v-supported" in (right.get_attribute("class") or "")
    assert "wb-v-supported" not in (wrong.get_attribute("class") or "")
    summary = right.find_element(By.TAG_NAME, "summary")
    assert RIGHT_CLAIM in summary.text
    style = (
        "const s = getComputedStyle(arguments[0]);"
        "return [s.display, s.textDecorationStyle, s.textDecorationColor];"
    )
    assert driver.execute_script(style, right)[0] == "inline"  # marked in the running text
    assert driver.execute_script(style, summary)[1:] == ["wavy", SUPPORTED_COLOUR]
    facts = [m.text for m in summary.find_elements(By.CSS_SELECTOR, "mark.wb-fact")]
    assert "3141.9亿元" in facts  # the claim's figure, marked in the claim
    body = right.find_element(By.CSS_SELECTOR, ".wb-claim-body")
    assert not body.is_displayed()  # the evidence waits for a click

    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
    summary.click()
    marked = WebDriverWait(driver, 20).until(
        lambda d: [
            m
            for m in body.find_elements(By.CSS_SELECTOR, ".wb-quote mark.wb-fig")
            if m.is_displayed() and "3141.9亿元" in m.text
        ]
    )
    assert marked and "支持" in body.find_element(By.CSS_SELECTOR, ".wb-badge").text

    time.sleep(1)
    shot = tmp_path / "check.png"
    assert driver.save_screenshot(str(shot))
    shutil.copyfile(shot, CHECK_SCREENSHOT_COPY)


def _share_model_cache(home: Path) -> None:
    """The app's own HOME, but the e5 folder already built (``~/.cache/wenbao``) is shared."""
    built = Path.home() / ".cache" / "wenbao"
    if built.is_dir():
        (home / ".cache").mkdir(exist_ok=True)
        (home / ".cache" / "wenbao").symlink_to(built, target_is_directory=True)
