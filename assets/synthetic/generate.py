"""Writes the synthetic demo corpora in this folder (run from anywhere: ``python generate.py``).

Every note is invented from the templates below (no real patient, name, date or place); the
output is deterministic (seeded), so re-running it reproduces the committed files byte for byte.
Templates mark mentions as ``[surface|Label]`` or ``[surface|Label|attribute]``."""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

HERE = Path(__file__).parent
MENTION = re.compile(r"\[([^|\]]+)\|([^|\]]+)(?:\|([^\]]+))?\]")

Mention = tuple[int, int, str, str, str]  # start, end, label, surface, attribute


def render(template: str) -> tuple[str, list[Mention]]:
    """The text of ``template`` and its mentions, offsets into that text."""
    text, mentions, position = [], [], 0
    last = 0
    for match in MENTION.finditer(template):
        text.append(template[last : match.start()])
        position += match.start() - last
        surface = match[1]
        mentions.append((position, position + len(surface), match[2], surface, match[3] or ""))
        text.append(surface)
        position += len(surface)
        last = match.end()
    text.append(template[last:])
    return "".join(text), mentions


# i2b2 2010: pre-tokenised lines (tokens separated by single spaces), problem/test/treatment
# concepts with assertions.

PROBLEMS = [
    "chest pain",
    "shortness of breath",
    "fever",
    "productive cough",
    "nausea",
    "abdominal pain",
    "hypertension",
    "diabetes mellitus",
    "atrial fibrillation",
    "pneumonia",
    "cellulitis",
    "urinary tract infection",
    "congestive heart failure",
    "acute kidney injury",
    "headache",
    "dizziness",
    "anemia",
    "hypokalemia",
    "lower extremity edema",
    "dysuria",
]
TESTS = [
    "chest x-ray",
    "ct scan of the abdomen",
    "ekg",
    "troponin",
    "cbc",
    "basic metabolic panel",
    "blood cultures",
    "urinalysis",
    "echocardiogram",
    "mri of the brain",
    "hemoglobin a1c",
]
TREATMENTS = [
    "aspirin",
    "metoprolol",
    "lisinopril",
    "furosemide",
    "heparin",
    "ceftriaxone",
    "insulin",
    "albuterol nebulizers",
    "acetaminophen",
    "ondansetron",
    "warfarin",
    "vancomycin",
    "prednisone",
]
LINES_2010 = [
    "The patient is a {age} year old {sex} with a history of [{p1}|problem|present] and "
    "[{p2}|problem|present] .",
    "The patient presented with [{p3}|problem|present] for {days} days .",
    "Patient denies [{p4}|problem|absent] and [{p5}|problem|absent] .",
    "[{t1}|test] was unremarkable .",
    "[{t2}|test] showed possible [{p6}|problem|possible] .",
    "The patient was started on [{r1}|treatment] and [{r2}|treatment] .",
    "Family history is notable for [{p7}|problem|associated_with_someone_else] in the mother .",
    "Return if [{p8}|problem|hypothetical] develops .",
    "[{p9}|problem|conditional] occurs only with exertion .",
    "[{r3}|treatment] was held for [{p10}|problem|present] .",
]


def _fill(template: str, rng: random.Random) -> str:
    problems = rng.sample(PROBLEMS, 10)
    values = {f"p{i + 1}": problem for i, problem in enumerate(problems)}
    values |= {f"t{i + 1}": test for i, test in enumerate(rng.sample(TESTS, 2))}
    values |= {f"r{i + 1}": drug for i, drug in enumerate(rng.sample(TREATMENTS, 3))}
    values |= {"age": str(rng.randint(24, 91)), "days": str(rng.randint(2, 9))}
    values["sex"] = rng.choice(["man", "woman"])
    line = template.format(**values)
    # Sentences start with a capital, also when they start with a mention.
    skip = 1 if line.startswith("[") else 0
    return line[:skip] + line[skip].upper() + line[skip + 1 :]


def _token_position(text: str, offset: int) -> tuple[int, int]:
    """(1-based line, 0-based whitespace token) of the token starting at ``offset``."""
    line_start = text.rfind("\n", 0, offset) + 1
    line = text.count("\n", 0, offset) + 1
    return line, len(text[line_start:offset].split())


def write_i2b2_2010(folder: Path, rng: random.Random, n_notes: int = 20) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(1, n_notes + 1):
        lines = [
            "Admission Date :",
            f"{rng.randint(2080, 2099)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        ]
        lines += [_fill(t, rng) for t in rng.sample(LINES_2010, 6)]
        if number % 4 == 0:
            # Lines beginning with a space occur in the release; tokens still split on spaces.
            lines.append(" Discharge instructions were reviewed .")
        text, mentions = render("\n".join(lines) + "\n")
        concepts, assertions = [], []
        for start, _, label, surface, assertion in mentions:
            first = _token_position(text, start)
            last_token_start = start + surface.rfind(" ") + 1
            last = _token_position(text, last_token_start)
            concept = (
                f'c="{surface.lower()}" {first[0]}:{first[1]} {last[0]}:{last[1]}||t="{label}"'
            )
            concepts.append(concept)
            if label == "problem":
                assertions.append(f'{concept}||a="{assertion}"')
        name = f"synthetic-{number:02d}"
        (folder / f"{name}.txt").write_text(text, encoding="utf8")
        (folder / f"{name}.con").write_text("\n".join(concepts) + "\n", encoding="utf8")
        (folder / f"{name}.ast").write_text("\n".join(assertions) + "\n", encoding="utf8")


# i2b2 2012: discharge summaries with EVENT (typed) and TIMEX3 spans.

SUMMARY_2012 = [
    "Admission Date :\n[{admit}|DATE]\nDischarge Date :\n[{discharge}|DATE]\n",
    "HISTORY OF PRESENT ILLNESS :\nThe patient was [admitted|OCCURRENCE] with [{p1}|PROBLEM] "
    "and [{p2}|PROBLEM] that began [{days} days ago|DATE] .\n",
    "She [reported|EVIDENTIAL] episodes of [{p3}|PROBLEM] [twice daily|FREQUENCY] for "
    "[{weeks} weeks|DURATION] .\n",
    "HOSPITAL COURSE :\nA [{t1}|TEST] on [{admit}|DATE] showed [{p4}|PROBLEM] .\n",
    "She was treated with [{r1}|TREATMENT] and [{r2}|TREATMENT] and was [transferred|OCCURRENCE] "
    "to the [intensive care unit|CLINICAL_DEPT] .\n",
    "A repeat [{t2}|TEST] [the following morning|TIME] was normal .\n",
    "DISCHARGE INSTRUCTIONS :\n[Follow up|OCCURRENCE] in [cardiology clinic|CLINICAL_DEPT] "
    "in [two weeks|DURATION] .\n",
]


def write_i2b2_2012(folder: Path, rng: random.Random, n_notes: int = 10) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(1, n_notes + 1):
        year, month, day = rng.randint(2080, 2099), rng.randint(1, 9), rng.randint(10, 20)
        values = {
            "admit": f"{month:02d}/{day}/{year}",
            "discharge": f"{month:02d}/{day + rng.randint(2, 8)}/{year}",
            "days": str(rng.randint(2, 6)),
            "weeks": str(rng.randint(2, 5)),
        }
        values |= {f"p{i + 1}": p for i, p in enumerate(rng.sample(PROBLEMS, 4))}
        values |= {f"t{i + 1}": t for i, t in enumerate(rng.sample(TESTS, 2))}
        values |= {f"r{i + 1}": r for i, r in enumerate(rng.sample(TREATMENTS, 2))}
        text, mentions = render("".join(SUMMARY_2012).format(**values))
        tags, events, timexes = [], 0, 0
        for start, end, label, surface, _ in mentions:
            if label in ("DATE", "TIME", "DURATION", "FREQUENCY"):
                tags.append(
                    f'<TIMEX3 id="T{timexes}" start="{start}" end="{end}" text="{surface}" '
                    f'type="{label}" val="NA" mod="NA" />'
                )
                timexes += 1
            else:
                tags.append(
                    f'<EVENT id="E{events}" start="{start}" end="{end}" text="{surface}" '
                    f'modality="FACTUAL" polarity="POS" type="{label}" />'
                )
                events += 1
        tags.append(
            '<TLINK id="TL0" fromID="E0" fromText="admitted" toID="T0" '
            f'toText="{values["admit"]}" type="OVERLAP" />'
        )
        xml = (
            '<?xml version="1.0" encoding="UTF-8" ?>\n<ClinicalNarrativeTemporalAnnotation>\n'
            f"<TEXT><![CDATA[{text}]]></TEXT>\n<TAGS>\n"
            + "\n".join(tags)
            + "\n</TAGS>\n</ClinicalNarrativeTemporalAnnotation>\n"
        )
        (folder / f"{number * 10 + 1}.xml").write_text(xml, encoding="utf8")


# i2b2 2014: de-identification records, several per patient, CRLF line ends as in the release.

PATIENTS_2014 = [
    ("Harriet Vale", "Vale", "F"),
    ("Osman Greer", "Greer", "M"),
    ("Lucia Brandt", "Brandt", "F"),
    ("Tobias Quill", "Quill", "M"),
]
DOCTORS = ["Ines Marlow", "Piet Okonjo", "Rosa Linde", "Emil Stavros"]
HOSPITALS = ["Lakeside Hospital", "St. Brigid Medical Center", "Northfield Clinic"]
CITIES = ["Maplewood", "Cedar Falls", "Port Ellery"]
RECORD_2014 = (
    "Record date: [{date}|DATE|DATE]\n\n[{hospital}|LOCATION|HOSPITAL]\n"
    "Dr. [{doctor}|NAME|DOCTOR]\n\nPatient [{patient}|NAME|PATIENT] "
    "(MRN [{mrn}|ID|MEDICALRECORD]), aged [{age}|AGE|AGE], a retired "
    "[{job}|PROFESSION|PROFESSION] from [{city}|LOCATION|CITY], was "
    "seen in follow up.\nCall [{phone}|CONTACT|PHONE] with questions.\n"
    "Next visit on [{next}|DATE|DATE].\n"
)


def write_i2b2_2014(folder: Path, rng: random.Random) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number, (patient, _, _) in enumerate(PATIENTS_2014):
        mrn = str(rng.randint(1000000, 9999999))
        for record in range(1, 4 if number < 2 else 3):
            year = rng.randint(2080, 2099)
            values = {
                "date": f"{year}-0{rng.randint(1, 9)}-{rng.randint(10, 28)}",
                "next": f"{year}-1{rng.randint(0, 2)}-{rng.randint(10, 28)}",
                "hospital": rng.choice(HOSPITALS),
                "doctor": rng.choice(DOCTORS),
                "patient": patient,
                "mrn": mrn,
                "age": str(rng.randint(40, 88)),
                "job": rng.choice(["carpenter", "teacher", "nurse", "machinist"]),
                "city": rng.choice(CITIES),
                "phone": f"(555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
            }
            template = RECORD_2014.replace("\n", "\r\n")
            text, mentions = render(template.format(**values))
            tags = [
                f'<{category} id="P{i}" start="{start}" end="{end}" text="{surface}" '
                f'TYPE="{phi_type}" comment="" />'
                for i, (start, end, category, surface, phi_type) in enumerate(mentions)
            ]
            xml = (
                '<?xml version="1.0" encoding="UTF-8" ?>\r\n<deIdi2b2>\r\n'
                f"<TEXT><![CDATA[{text}]]></TEXT>\r\n<TAGS>\r\n"
                + "\r\n".join(tags)
                + "\r\n</TAGS>\r\n</deIdi2b2>\r\n"
            )
            name = f"{310 + number * 7}-{record:02d}.xml"
            (folder / name).write_bytes(xml.encode("utf8"))


# n2c2 2018 track 2 style brat: medications with attributes and relations to their drug.

DRUGS = [
    ("Lasix", "40 mg", "tablet", "PO", "daily", "edema"),
    ("Metoprolol tartrate", "25 mg", "tablet", "by mouth", "twice a day", "atrial fibrillation"),
    ("Vancomycin", "1 g", "injection", "IV", "q12h", "cellulitis"),
    ("Insulin glargine", "20 units", "injection", "subcutaneously", "at bedtime", "diabetes"),
    ("Acetaminophen", "650 mg", "tablet", "PO", "q6h prn", "pain"),
    ("Albuterol", "2.5 mg", "nebulizer", "inhaled", "every 4 hours as needed", "wheezing"),
]
MED_LINES = [
    "[{drug}|Drug] [{strength}|Strength] [{form}|Form] [{route}|Route] [{freq}|Frequency] "
    "for [{reason}|Reason] for [{days} days|Duration].",
    "Continue [{drug}|Drug] [{dose}|Dosage] [{form}|Form] [{freq}|Frequency].",
]


def write_n2c2_2018(folder: Path, rng: random.Random, n_notes: int = 10) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(1, n_notes + 1):
        parts = ["DISCHARGE MEDICATIONS:\n"]
        for drug, strength, form, route, freq, reason in rng.sample(DRUGS, 3):
            template = rng.choice(MED_LINES)
            parts.append(
                template.format(
                    drug=drug,
                    strength=strength,
                    form=form,
                    route=route,
                    freq=freq,
                    reason=reason,
                    days=rng.randint(3, 14),
                    dose=rng.choice(["1", "2", "one"]),
                )
                + "\n"
            )
        ade = rng.choice(["rash", "hives", "hypotension"])
        culprit = rng.choice(["penicillin", "lisinopril", "codeine"])
        parts.append(f"ALLERGIES:\n[{culprit}|Drug] caused [{ade}|ADE] in the past.\n")
        days = rng.randint(5, 10)
        parts.append(
            "[Cephalexin|Drug] [500 mg|Strength] [PO|Route] twice (with food) daily for "
            f"{days}\ndays.\n"
        )
        text, mentions = render("".join(parts))
        lines, ids = [], []
        for index, (start, end, label, surface, _) in enumerate(mentions, start=1):
            lines.append(f"T{index}\t{label} {start} {end}\t{surface}")
            ids.append((index, label, start))
        # Discontinuous mentions as annotators write them: a frequency interrupted by words (not
        # one span) and a duration broken only by a line end.
        twice = text.rindex("twice (with food) daily")
        daily = twice + len("twice (with food) ")
        ids.append((len(ids) + 1, "Frequency", twice))
        lines.append(f"T{len(ids)}\tFrequency {twice} {twice + 5};{daily} {daily + 5}\ttwice daily")
        duration = text.rindex(f"{days}\ndays")
        ids.append((len(ids) + 1, "Duration", duration))
        end = duration + len(f"{days}\ndays")
        lines.append(f"T{len(ids)}\tDuration {duration} {end - 5};{end - 4} {end}\t{days} days")
        drugs = [(i, s) for i, label, s in ids if label == "Drug"]
        relation = 1
        for index, label, start in ids:
            if label == "Drug":
                continue
            head = max((d for d in drugs if d[1] <= start), key=lambda d: d[1], default=drugs[0])
            lines.append(f"R{relation}\t{label}-Drug Arg1:T{index} Arg2:T{head[0]}")
            relation += 1
        (folder / f"{100 + number}.txt").write_text(text, encoding="utf8")
        (folder / f"{100 + number}.ann").write_text("\n".join(lines) + "\n", encoding="utf8")


# MIMIC-III NOTEEVENTS layout: de-identification placeholders, negations, sections.

PLACEHOLDERS = {
    "date": ["[**2150-3-4**]", "[**2151-11-20**]", "[**2149-7-2**]", "[**3-14**]"],
    "name": [
        "[**Known lastname 1234**]",
        "[**First Name (Titles) **] [**Last Name (Titles) **]",
        "[**Name (NI) 4321**]",
        "[**Doctor Last Name **]",
        "[** **]",
    ],
    "hospital": ["[**Hospital1 18**]", "[**Hospital 1121**]", "[**Hospital3 2783**]"],
    "phone": ["[**Telephone/Fax (1) 555**]", "[**Telephone/Fax (3) 2134**]"],
}
FINDINGS = ["chest pain", "shortness of breath", "fever", "nausea", "abdominal pain", "headache"]
NOTE_TEMPLATES = {
    "Discharge summary": (
        "Admission Date:  {date}              Discharge Date:   {date2}\n\n"
        "Service: MEDICINE\n\nHISTORY OF PRESENT ILLNESS:\n"
        "Mr. {name} is a {age} y.o. man with {finding} transferred from {hospital}. He denies "
        "{neg1} and {neg2}.\n\nFAMILY HISTORY:\nMother with coronary artery disease; father "
        "with diabetes.\n\nASSESSMENT AND PLAN:\n{finding_cap} improved on aspirin 81mg p.o. "
        "daily and metoprolol 25 mg b.i.d.\n\nDISCHARGE MEDICATIONS:\n1. Aspirin 81 mg PO "
        "daily\n2. Lisinopril 10mg PO daily\n\nFollowup Instructions:\nCall Dr. {name2} at "
        "{phone}.\n"
    ),
    "Physician": (
        "Chief Complaint:  {finding}\n\nHISTORY OF PRESENT ILLNESS:\n{age} y.o. s/p cardiac "
        "cath on {date}. Denies {neg1}, no {neg2}.\n\nASSESSMENT AND PLAN:\n{finding_cap}: "
        "continue current management, f/u with {name}.\n"
    ),
    "Nursing": (
        "Neuro: A&Ox3, follows commands.\nCV: HR 80s SR, BP 120/80.\nResp: LS clear, denies "
        "{neg1}.\nGI: tolerating diet, no {neg2}.\nPlan: continue to monitor, family ({name}) "
        "updated.\n"
    ),
    "Nursing/other": (
        "NPN 0700-1900\nPt resting comfortably, denies {neg1}. Vital signs stable. Pt's "
        "daughter {name} called, questions answered.\n"
    ),
    "Radiology": (
        "{date} 8:15 AM\nCHEST (PORTABLE AP)\nReason: eval for {finding}\n\nFINDINGS: No "
        "focal consolidation. No pleural effusion or pneumothorax.\n\nIMPRESSION: No acute "
        "cardiopulmonary process.\n"
    ),
    "ECG": "Sinus rhythm. Normal ECG. Since the previous tracing of {date} no significant "
    "change.\n",
    "Echo": (
        "PATIENT/TEST INFORMATION:\nIndication: {finding}\n\nINTERPRETATION:\nFindings: Left "
        "ventricular function is normal (LVEF >55%). No pericardial effusion.\n"
    ),
    "Respiratory": "Pt received albuterol nebs q4h, BS with scattered wheezes, denies {neg1}.\n",
    "Nutrition": "Pt tolerating regular diet, intake ~75% of meals. Wt stable. No {neg2}.\n",
    "Social Work": (
        "SW met with pt and family ({name}) regarding discharge planning to {hospital}. "
        "Contact {phone}.\n"
    ),
    "Case Management": "Discharge plan reviewed with {name}; rehab screening at {hospital}.\n",
    "Rehab Services": "PT evaluation: pt ambulated 150 ft with rolling walker, denies {neg1}.\n",
    "Pharmacy": "Vancomycin trough 15.2 on {date}; continue 1g IV q12h. No {neg2}.\n",
    "Consult": (
        "Reason for consult: {finding}\n\nHISTORY OF PRESENT ILLNESS:\n{age} y.o. referred by "
        "Dr. {name}. Denies {neg1}.\n\nRECOMMENDATIONS:\nCheck TSH, f/u in clinic.\n"
    ),
    "General": "Family meeting held with {name}; goals of care discussed.\n",
}


def write_mimic(path: Path, rng: random.Random, n_notes: int = 60) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = [
        "ROW_ID",
        "SUBJECT_ID",
        "HADM_ID",
        "CHARTDATE",
        "CHARTTIME",
        "STORETIME",
        "CATEGORY",
        "DESCRIPTION",
        "CGID",
        "ISERROR",
        "TEXT",
    ]
    categories = list(NOTE_TEMPLATES)
    with path.open("w", encoding="utf8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        writer.writerow(header)
        for row_id in range(1, n_notes + 1):
            category = categories[(row_id - 1) % len(categories)]
            subject = 10000 + rng.randint(1, 12)
            finding, neg1, neg2 = rng.sample(FINDINGS, 3)
            text = NOTE_TEMPLATES[category].format(
                date=rng.choice(PLACEHOLDERS["date"]),
                date2=rng.choice(PLACEHOLDERS["date"]),
                name=rng.choice(PLACEHOLDERS["name"]),
                name2=rng.choice(PLACEHOLDERS["name"]),
                hospital=rng.choice(PLACEHOLDERS["hospital"]),
                phone=rng.choice(PLACEHOLDERS["phone"]),
                age=rng.randint(25, 90),
                finding=finding,
                finding_cap=finding.capitalize(),
                neg1=neg1,
                neg2=neg2,
            )
            no_time = category in ("Discharge summary", "ECG", "Echo")
            day = f"21{rng.randint(40, 90)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
            writer.writerow(
                [
                    row_id,
                    subject,
                    "" if category == "General" else 100000 + subject,
                    day,
                    "" if no_time else f"{day} 0{rng.randint(0, 9)}:00:00",
                    "",
                    # Some categories arrive with a trailing space in the release.
                    category + (" " if category == "Physician" and row_id % 2 else ""),
                    "Report",
                    "" if no_time else 14000 + rng.randint(1, 50),
                    1 if row_id == 42 else "",
                    text,
                ]
            )


def main() -> None:
    write_i2b2_2010(HERE / "i2b2-2010", random.Random(2010))
    write_i2b2_2012(HERE / "i2b2-2012", random.Random(2012))
    write_i2b2_2014(HERE / "i2b2-2014", random.Random(2014))
    write_n2c2_2018(HERE / "n2c2-2018", random.Random(2018))
    write_mimic(HERE / "mimic" / "NOTEEVENTS.csv", random.Random(3))


if __name__ == "__main__":
    main()
