"""Exclusions the IMS itself contradicts.

An ISO 9001 exclusion says "this requirement does not apply to us". When the
same IMS records a process or documented information of that management
system answering the excluded requirement (or, for design and development,
ISO/IEC 20000-1's service design and transition in the same IMS), an auditor
will not accept the exclusion: the organisation does the very thing it says it
does not do.
"""

from __future__ import annotations

from operator import attrgetter

from ..load.ims import Ims

# Excluded requirement -> requirements of other standards whose presence in the IMS contradicts it.
CONTRADICTED_BY = {
    "ISO9001:2015/8.3": ("ISO20000-1:2018/8.5.2",),
}
TAGGED_TYPES = ("process", "document")


def _covers(tag: str, requirement: str) -> bool:
    return tag == requirement or tag.startswith(requirement + ".")


def contradiction(ims: Ims, system_id: str, excluded: str) -> tuple[str, tuple[str | int, ...], str] | None:
    """(entity id, attribute path, message) of the first entity contradicting the exclusion, or None."""
    standard = excluded.split("/", 1)[0]
    if not standard.startswith("ISO9001"):
        return None
    others = [r for key, rs in CONTRADICTED_BY.items() if _covers(excluded, key) or _covers(key, excluded) for r in rs]
    for type_name in TAGGED_TYPES:
        for entity in sorted(ims.of_type(type_name), key=attrgetter("id")):
            tags = entity.data.get("requirements")
            if not tags:
                continue
            own = system_id in entity.data.get("management_systems", [])
            for i, tag in enumerate(tags):
                mine = own and _covers(tag, excluded)
                theirs = bool(others) and any(_covers(tag, other) for other in others)
                if mine or theirs:
                    what = "its own" if mine else "service design and transition"
                    message = (f"The exclusion of {excluded} is contradicted by the IMS itself: {type_name} {entity.id} "
                               f"answers {tag} ({what}); an organisation that does this cannot exclude it. Remove the "
                               f"exclusion and meet the requirement, or correct the {type_name}")
                    return entity.id, ("requirements", i), message
    return None
