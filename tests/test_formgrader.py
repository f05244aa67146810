"""The formgrader in a real headless browser: what a TA clicks through after `grade`, on a small course.

A Jupyter server runs in a course folder holding one autograded submission of a tiny assignment, with the class
list imported; headless Chromium (Debian's `chromium` and `chromium-driver`, which .ci/run installs) opens the
assignment list, the students, and the submission, types a manual score into the written answer and leaves the
field; `nbgrader export` must then count it. A screenshot of the graded submission is kept, and its path printed
under "measured". Not checked: math rendering. nbgrader's submission page loads MathJax from a CDN, which a machine
offline cannot reach (the page then logs "MathJax is not defined"; the score fields still save).
"""
from __future__ import annotations

import csv
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from helpers.course import pipeline as course
from tests.synthetic import make_root
from tests.test_course import tiny_assignment

pytestmark = [pytest.mark.pipeline, pytest.mark.xdist_group("formgrader")]
TOKEN = "formgrader-test"
BROWSER, DRIVER = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
if not (BROWSER and DRIVER):
    pytest.skip("no headless browser here: install Debian's chromium and chromium-driver (.ci/run does)",
                allow_module_level=True)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base url, course folder): ada's submission autograded, the server up; stopped afterwards."""
    root = make_root(tmp_path_factory.mktemp("fg-root"), "tiny", tiny_assignment())
    course_dir = course.make_course(tmp_path_factory.mktemp("fg-course"), root=root)
    course.generate_release(course_dir, "tiny")
    (course_dir / "students.csv").write_text("id,first_name,last_name,email\nada,Ada,Lovelace,ada@example.org\n")
    course.nbgrader(["db", "student", "import", "students.csv"], course_dir)
    course.submit(course_dir, "tiny", "ada", course.notebook_path(root, "source", "tiny"))
    course.autograde(course_dir, "tiny", "ada")
    port = _free_port()
    log = open(course_dir / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root", f"--port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={course_dir}"],
        cwd=course_dir, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/api?token={TOKEN}")
        yield base, course_dir
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser(server):
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=webdriver.ChromeService(DRIVER), options=options)
    driver.set_page_load_timeout(120)
    base, _ = server
    driver.get(f"{base}/formgrader?token={TOKEN}")  # logs in (cookie) and lands on the assignment list
    yield driver
    driver.quit()


def _body(driver, contains: str, seconds: float = 60) -> str:
    """The page text once it contains ``contains`` (the formgrader fills its tables from its API)."""
    WebDriverWait(driver, seconds).until(lambda d: contains in d.find_element(By.TAG_NAME, "body").text)
    return driver.find_element(By.TAG_NAME, "body").text


def test_assignment_list_shows_the_assignment_and_its_submission(server, browser):
    base, _ = server
    browser.get(f"{base}/formgrader/manage_assignments")
    text = _body(browser, "tiny")
    assert "Manage Assignments" in text


def test_students_have_the_names_of_the_class_list(server, browser):
    base, _ = server
    browser.get(f"{base}/formgrader/manage_students")
    text = _body(browser, "Lovelace")
    assert "Ada" in text and "None" not in text, text


def test_a_manual_score_typed_in_the_page_reaches_the_export(server, browser, record_property):
    base, course_dir = server
    browser.get(f"{base}/formgrader/gradebook/tiny/tiny")
    _body(browser, "Submission #1")
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "Submission #1").get_attribute("href")
    browser.get(link)
    field = WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "q_why"))  # the written answer's score (1 point)
    field.clear()
    field.send_keys("1")
    browser.find_element(By.ID, "test_double").click()  # leaving the field saves it
    deadline = time.monotonic() + 60
    while course.cell_grades(course_dir, "tiny", "ada")["q_why"].score != 1:
        assert time.monotonic() < deadline, "the manual score typed in the page did not reach the gradebook"
        time.sleep(1)
    screenshot = course_dir / "formgrader-submission.png"
    browser.save_screenshot(str(screenshot))
    record_property("formgrader screenshot", str(screenshot))

    course.nbgrader(["export", "--to", "grades.csv"], course_dir)
    with open(course_dir / "grades.csv") as handle:
        (row,) = [r for r in csv.DictReader(handle) if r["student_id"] == "ada"]
    assert (row["first_name"], row["last_name"], float(row["score"]), float(row["max_score"])) == ("Ada", "Lovelace", 6.0, 6.0)
