"""What ``validate`` warns about without evaluating any rule.

None of these stop a check; each is something a person would rather learn
before an audit: an evidence file that is not on disk, an exclusion the
standard does not permit (check reports it unmet), and plain values that
YAML 1.2 tools read as another type than imscheck does.
"""

from __future__ import annotations

from ..errors import Warning
from ..evidence.files import evidence_status
from ..load.ims import Ims
from ..load.yaml11 import differences
from .catalogue import Catalogue


def warnings(ims: Ims, catalogue: Catalogue) -> list[Warning]:
    found: set[Warning] = set()
    for doc in ims.of_type("document"):
        path = doc.data.get("path")
        if path is None:
            continue
        status = evidence_status(ims.root, path, ims.locate_evidence)
        if status != "present":
            file, line, column, _ = ims.location(doc.id, ("path",))
            what = "is missing" if status == "missing" else "is empty"
            found.add(Warning(file, line, column,
                              f"the evidence file of document {doc.id} {what} (looked for {ims.root / path}): "
                              "rules that need it will be unmet; add the file or correct the path"))
    for system in ims.of_type("management_system"):
        for i, exclusion in enumerate(system.data["scope"].get("exclusions", [])):
            requirement = catalogue.requirements.get(exclusion["requirement"])
            if requirement is not None and not requirement.excludable:
                file, line, column, _ = ims.location(system.id, ("scope", "exclusions", i, "requirement"))
                found.add(Warning(file, line, column,
                                  f"{requirement.id} ({requirement.title}) may not be excluded under {requirement.standard}: "
                                  "check reports this exclusion unmet (exclusion.not-permitted); remove it and meet the requirement"))
    for source in ims.sources:
        found.update(differences(source))
    return sorted(found)
