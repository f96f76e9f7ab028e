"""The writing checklist: each check's pass and its tip, and that it applies by kind."""

from web.checklist import Check, checklist

ENOUGH = " ".join(["word"] * 45)


def by_name(checks):
    return {check.name: check for check in checks}


def test_a_good_howto_passes_every_check():
    body = "## Before you start\nYou need a badge.\n\n## Steps\n1. Open the portal.\n2. Pick a room.\n3. Confirm.\n\n" + ENOUGH
    assert [(c.name, c.passed) for c in checklist("How to book a meeting room", body, "howto")] == [
        ("title", True), ("steps", True), ("acronyms", True), ("length", True)]


def test_title_of_one_word_gets_a_tip():
    check = by_name(checklist("Rooms", ENOUGH, "answer"))["title"]
    assert check == Check("title", "Title says the task", False,
                          "Use a few words that say what the reader will learn or do, not a single word.")


def test_howto_title_starts_with_a_verb_or_how_to():
    assert by_name(checklist("Rooms and their booking", ENOUGH, "howto"))["title"].passed is False
    assert by_name(checklist("Book a meeting room", ENOUGH, "howto"))["title"].passed is True
    assert by_name(checklist("Setting up the printer", ENOUGH, "howto"))["title"].passed is True
    assert by_name(checklist("Rooms and their booking", ENOUGH, "anecdote"))["title"].passed is True


def test_howto_with_bullets_but_no_numbers_is_told_to_number_them():
    body = "- Open the portal\n- Pick a room\n- Confirm\n\n" + ENOUGH
    assert by_name(checklist("Book a room", body, "howto"))["steps"].passed is False
    assert "steps" not in by_name(checklist("Book a room", body, "best_practice"))


def test_acronym_explained_after_or_before_first_use_passes():
    assert by_name(checklist("A b", "The SLA (service level agreement) holds. SLA again. " + ENOUGH,
                             "answer"))["acronyms"].passed
    assert by_name(checklist("A b", "The service level agreement (SLA) holds. " + ENOUGH, "answer"))["acronyms"].passed
    assert by_name(checklist("A b", "Connect to the VPN first. " + ENOUGH, "answer"))["acronyms"].passed
    assert by_name(checklist("A b", "Run `GREP` in code. " + ENOUGH, "answer"))["acronyms"].passed


def test_unexplained_acronym_is_named():
    check = by_name(checklist("A b", "Ask the CAB before you deploy. The CAB (change board). " + ENOUGH,
                              "answer"))["acronyms"]
    assert (check.passed, check.tip) == (False, "Explain CAB the first time it appears, e.g. “CAB (what it stands for)”.")


def test_length_too_short_and_very_long():
    assert by_name(checklist("A b", "Too short.", "answer"))["length"].tip.startswith("2 words")
    long = by_name(checklist("A b", " ".join(["word"] * 1600), "answer"))["length"]
    assert (long.passed, long.tip.split(":")[0]) == (False, "1,600 words")


def test_official_content_needs_a_review_date():
    assert by_name(checklist("A b", ENOUGH, "policy", official=True))["reviewed"].passed is False
    assert by_name(checklist("A b", ENOUGH, "policy", official=True, reviewed="2026-01-01"))["reviewed"].passed
    assert "reviewed" not in by_name(checklist("A b", ENOUGH, "policy"))


def test_a_new_draft_is_checked_against_near_duplicates():
    assert by_name(checklist("A b", ENOUGH, "answer", similar=[]))["duplicate"].passed
    check = by_name(checklist("A b", ENOUGH, "answer", similar=["Expensify receipts", "Old receipts"]))["duplicate"]
    assert not check.passed and check.tip.startswith("it looks like “Expensify receipts” and others")
    assert "duplicate" not in by_name(checklist("A b", ENOUGH, "answer"))  # an edit: not checked
