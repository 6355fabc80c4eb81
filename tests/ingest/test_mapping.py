"""Exports with their own headers: suggestions, saved mappings, XLSX workbooks."""
from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from lookdown.ingest import import_files, inspect_file, save_mapping, saved_mapping, suggest_mapping
from lookdown.ingest.mapping import best_suggestion

from .conftest import TODAY, count, real

LMS_HEADERS = ["Employee ID", "Worker", "Training Title", "Price", "Completion Date", "Transcript Status"]


def lms_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(LMS_HEADERS)
    sheet.append(["E100", "Ana Lima", "Excel basics", 1250, datetime(2024, 3, 4), "Completed"])
    sheet.append(["E101", "Ben Ode", "Negotiation", "$1,250.50", datetime(2024, 3, 5), "In Progress"])
    sheet.append(["E102", "Cy Tan", "Coaching", -10, datetime(2024, 3, 6), "Registered"])
    sheet.append([None, None, None, None, None, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_suggestions_use_synonyms():
    assert suggest_mapping(LMS_HEADERS, "training") == {
        "Employee ID": "person_id", "Worker": None, "Training Title": "course", "Price": "cost",
        "Completion Date": "requested_on", "Transcript Status": "status",
    }
    workday = ["Worker", "Learning content", "Assignment Status", "Assigned_Date", "Due_date"]
    assert suggest_mapping(workday, "training") == {
        "Worker": "person_id", "Learning content": "course", "Assignment Status": "status",
        "Assigned_Date": "requested_on", "Due_date": None,
    }
    suggestion = best_suggestion(["EmpID", "Dept", "DateofHire", "DateofTermination", "TermReason", "ManagerID"])
    assert suggestion.table == "people" and suggestion.complete
    assert suggestion.mapping == {"EmpID": "person_id", "Dept": "department", "DateofHire": "hire_date",
                                  "DateofTermination": "termination_date", "TermReason": "termination_type",
                                  "ManagerID": "manager_id"}


def test_xlsx_needs_mapping_then_imports_and_the_mapping_is_reused(db, tmp_files):
    data = lms_workbook()
    detection = inspect_file(data, "transcript.xlsx", db=db, today=TODAY)
    assert detection.kind == "needs_mapping" and not detection.understood
    assert detection.table == "training" and detection.mapping["Price"] == "cost"
    assert list(detection.preview["Employee ID"]) == ["E•••", "E•••", "E•••"]
    assert list(detection.preview["Training Title"]) == ["Excel basics", "Negotiation", "Coaching"]
    (report,) = import_files(db, [("transcript.xlsx", data)], today=TODAY)
    assert not report.understood and report.kind == "needs_mapping"

    save_mapping(db, LMS_HEADERS, "training", detection.mapping)
    (report,) = import_files(db, [("transcript.xlsx", data)], today=TODAY)
    assert report.kind == "mapped" and (report.loaded, report.rejected) == (2, 1)
    assert report.errors == [{"line": 4, "column": "cost", "value": "-10", "reason": "negative value"}]
    assert db.cursor().execute("select requested_on, course, status, cost from training order by 1").fetchall() == [
        (date(2024, 3, 4), "Excel basics", "completed", Decimal("1250.00")),
        (date(2024, 3, 5), "Negotiation", "approved", Decimal("1250.50")),
    ]
    # The next export with the same headers (another order, other case, as CSV) needs no question.
    headers = ["transcript status", "PRICE", "Completion Date", "Training Title", "Employee ID", "Worker"]
    assert saved_mapping(db, headers)[0] == "training"
    csv = tmp_files("next.csv", ",".join(headers) + "\nCompleted,99,2024-04-01,Git,E103,Di Fo\n")
    detection = inspect_file(csv, db=db, today=TODAY)
    assert detection.kind == "mapped" and detection.rows == 1
    (report,) = import_files(db, [csv], today=TODAY)
    assert report.kind == "mapped" and report.loaded == 1
    assert count(db, "select count(*) from training") == 3
    assert count(db, "select count(*) from column_mappings") == 1


def test_mapping_passed_to_import_and_as_kind(db, tmp_files):
    csv = tmp_files("hr.csv", "Emp No,Dept,Start\nE1,Sales,2020-01-06\nE2,Ops,2021-02-01\n")
    mapping = {"Emp No": "person_id", "Dept": "department", "Start": "hire_date"}
    (report,) = import_files(db, [csv], mappings={"hr.csv": ("people", mapping)}, today=TODAY)
    assert report.kind == "mapped" and report.loaded == 2
    forced = tmp_files("staff.csv", "Staff ID,Department\nE3,Legal\n")
    (report,) = import_files(db, [forced], as_kind="people", today=TODAY)
    assert report.kind == "mapped" and report.loaded == 1
    assert count(db, "select count(*) from people") == 3
    # Naming the table a template file is for changes nothing: it is still read as that template.
    template = tmp_files("people.csv", "person_id,department\nE4,Legal\n")
    (report,) = import_files(db, [template], as_kind="people", today=TODAY)
    assert report.kind == "template" and report.loaded == 1


def test_real_ibm_hr_csv_is_offered_as_people(db):
    path = real("ibm-hr-attrition", "WA_Fn-UseC_-HR-Employee-Attrition.csv")
    detection = inspect_file(path, db=db, today=TODAY)
    assert detection.kind == "needs_mapping" and detection.table == "people"
    assert detection.headers[0] == "Age"  # the BOM is not part of the first header
    assert {h for h, c in detection.mapping.items() if c} == {"Department", "EmployeeNumber", "JobLevel"}
    (report,) = import_files(db, [path], today=TODAY,
                             mappings={path.name: ("people", {h: c for h, c in detection.mapping.items() if c})})
    assert report.loaded == 1470 and report.rejected == 0
    assert dict(db.cursor().execute("select department, count(*) from people group by 1").fetchall()) == {
        "Research & Development": 961, "Sales": 446, "Human Resources": 63}
