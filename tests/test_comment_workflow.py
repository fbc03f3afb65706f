"""The workflow that posts the pull request's comment (``searchbench-comment.yml``): it holds
a token that may write, so it must never run the pull request's code, and it treats the
artifact it downloads as untrusted data. Its script runs here as GitHub runs it, against a
stand-in ``gh`` that answers from files and logs each call (jq does the ``--jq`` filtering,
as gh's own jq does)."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest

from harness.history.comment import MARKER
from tests.workflow_steps import run_step, steps, workflow

COMMENT, GATES = "searchbench-comment.yml", "searchbench.yml"
HEAD = "1" * 40
CONTEXTS = {
    "github.token": "t0ken",
    "github.repository": "o/r",
    "github.event.workflow_run.head_sha": HEAD,
}
FAKE_GH = """#!/usr/bin/env python3
import json, os, re, subprocess, sys
state = os.environ["FAKE_GH_STATE"]
args, method, jq, fields, endpoint = sys.argv[2:], "GET", None, {}, None
while args:
    arg = args.pop(0)
    if arg == "--method":
        method = args.pop(0)
    elif arg == "--jq":
        jq = args.pop(0)
    elif arg == "-F":
        key, value = args.pop(0).split("=", 1)
        fields[key] = open(value[1:]).read() if value.startswith("@") else value
    elif arg != "--paginate":
        endpoint = arg
with open(os.path.join(state, "calls.jsonl"), "a") as log:
    log.write(json.dumps({"method": method, "endpoint": endpoint, "fields": fields}) + "\\n")
if re.fullmatch(r"repos/o/r/pulls/\\d+", endpoint):
    answer = {"number": 7, "head": {"sha": open(os.path.join(state, "head")).read()}}
elif re.fullmatch(r"repos/o/r/issues/\\d+/comments", endpoint) and method == "GET":
    answer = json.load(open(os.path.join(state, "comments.json")))
else:
    answer = {"id": 99}
text = json.dumps(answer)
if jq:
    text = subprocess.run(["jq", "-r", jq], input=text, capture_output=True, text=True,
                          check=True).stdout
sys.stdout.write(text)
"""


def _job() -> dict:
    return workflow(COMMENT)["jobs"]["comment"]


def test_it_runs_after_the_gates_and_never_runs_the_pull_requests_code() -> None:
    trigger = workflow(COMMENT)[True]  # YAML reads `on` as True
    assert trigger == {
        "workflow_run": {"workflows": [workflow(GATES)["name"]], "types": ["completed"]}
    }
    assert workflow(COMMENT)["permissions"] == {}
    assert _job()["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert _job()["if"] == "github.event.workflow_run.event == 'pull_request'"
    used = [s.get("uses", "") for s in steps(COMMENT, "comment")]
    assert not any(u.startswith("actions/checkout") for u in used)
    assert used[0] == "actions/download-artifact@v4"
    scripts = " ".join(s.get("run", "") for s in steps(COMMENT, "comment"))
    runners = r"(?<![\w-])(python3?|pip3?|npm|npx|node|make|bash|sh|source|eval)(?![\w-])"
    assert re.findall(runners, scripts) == [] and "./" not in scripts
    download = steps(COMMENT, "comment")[0]["with"]
    uploaded = [
        s["with"]["name"] for s in steps(GATES, "gates") if "upload-artifact" in s.get("uses", "")
    ]
    assert download["name"] == "searchbench-comment" and download["name"] in uploaded
    assert download["run-id"] == "${{ github.event.workflow_run.id }}"


@pytest.fixture()
def posting(tmp_path: Path):
    """Run the posting step against a stand-in gh; returns (run, state folder)."""
    if shutil.which("jq") is None:
        if os.environ.get("SEARCHBENCH_REQUIRE_TOOLS"):
            pytest.fail("SEARCHBENCH_REQUIRE_TOOLS is set but jq is not on PATH")
        pytest.skip("no jq on PATH (apt-get install jq; GitHub's runners have it)")
    bin_dir, state, work = tmp_path / "bin", tmp_path / "state", tmp_path / "work"
    for folder in (bin_dir, state, work / "comment"):
        folder.mkdir(parents=True)
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH)
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    (state / "head").write_text(HEAD)
    (state / "comments.json").write_text("[]")

    def run(comment: str, number: str = "7\n", comments: list | None = None):
        (work / "comment" / "comment.md").write_text(comment)
        (work / "comment" / "pr-number").write_text(number)
        (state / "comments.json").write_text(json.dumps(comments or []))
        env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_GH_STATE": str(state)}
        done = run_step(COMMENT, "comment", "Post or update the comment", work, CONTEXTS, env)
        log = state / "calls.jsonl"
        calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        log.unlink(missing_ok=True)
        return done, calls

    return run, state


def test_the_first_run_posts_a_comment(posting) -> None:
    run, _ = posting
    done, calls = run(f"{MARKER}\n### searchbench\n\n**OK: no regression**\n")
    assert done.returncode == 0, done.stderr
    assert [(c["method"], c["endpoint"]) for c in calls] == [
        ("GET", "repos/o/r/pulls/7"),
        ("GET", "repos/o/r/issues/7/comments"),
        ("POST", "repos/o/r/issues/7/comments"),
    ]
    assert calls[-1]["fields"]["body"] == f"{MARKER}\n### searchbench\n\n**OK: no regression**\n"
    assert "commented on #7" in done.stdout


def test_a_later_run_updates_its_own_comment_only(posting) -> None:
    run, _ = posting
    comments = [
        {"id": 40, "user": {"login": "someone"}, "body": f"{MARKER}\nquoting the bot"},
        {"id": 41, "user": {"login": "github-actions[bot]"}, "body": "another bot comment"},
        {"id": 42, "user": {"login": "github-actions[bot]"}, "body": f"{MARKER}\nold"},
    ]
    done, calls = run(f"{MARKER}\nnew\n", comments=comments)
    assert done.returncode == 0, done.stderr
    assert (calls[-1]["method"], calls[-1]["endpoint"]) == ("PATCH", "repos/o/r/issues/comments/42")
    assert calls[-1]["fields"]["body"] == f"{MARKER}\nnew\n" and len(calls) == 3


def test_the_marker_is_the_posters_not_the_artifacts(posting) -> None:
    """A comment without the marker still gets one, once; one with extra markers loses them."""
    run, _ = posting
    _, calls = run(f"no marker\n{MARKER}\nsecond\n")
    assert calls[-1]["fields"]["body"] == f"{MARKER}\nno marker\nsecond\n"
    _, calls = run("x" * 70_000)
    assert calls[-1]["fields"]["body"] == f"{MARKER}\n{'x' * 60_000}\n"  # under GitHub's limit


@pytest.mark.parametrize("number", ["7; rm -rf ~", "", "../8", "7 8"])
def test_a_bad_pull_request_number_is_refused_before_any_call(posting, number: str) -> None:
    run, _ = posting
    done, calls = run("comment", number=number)
    assert done.returncode == 1 and "not a pull-request number" in done.stderr
    assert calls == []


def test_no_comment_when_the_pull_request_moved_on(posting) -> None:
    """The number comes from the artifact: it is trusted only if that pull request's head is
    the commit this run tested."""
    run, state = posting
    (state / "head").write_text("2" * 40)
    done, calls = run("comment")
    assert done.returncode == 0 and "no comment" in done.stdout
    assert [c["method"] for c in calls] == ["GET"]
