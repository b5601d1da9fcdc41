"""A CycloneDX 1.6 hardware BOM (JSON) of the report's assets, built with cyclonedx-python-lib.

Each asset is a component of type ``device``: ``supplier`` = the label brand (who put their name on
it), ``manufacturer`` = the true OEM trueoem resolved, ``name`` = the model (or the asset id), and
``trueoem:*`` properties for MAC, MAC block, FCC ID, firmware, serial, IP, verdict, confidence,
white-label flag, legal basis and KB version. The BOM's serial number is derived from its content
and ``generated_at`` so that the same input gives the same document (golden files, diffs).
"""

from __future__ import annotations

import uuid

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.output.json import JsonV1Dot6

from trueoem import __version__
from trueoem.report.data import ReportAsset, ReportModel

_NS = uuid.UUID("5f0c3e1a-7b7e-4f57-9a39-7472756f656d")  # uuid5 namespace of trueoem BOMs


def _properties(a: ReportAsset) -> list[Property]:
    props: list[tuple[str, str | None]] = [
        ("trueoem:asset_id", a.id),
        ("trueoem:verdict", a.verdict),
        ("trueoem:confidence", f"{a.confidence:.4f}"),
        ("trueoem:white_label", "true" if a.white_label else "false"),
        ("trueoem:oem", a.oem),
        ("trueoem:mac", a.mac),
        ("trueoem:mac_oui", a.mac_oui),
        ("trueoem:fcc_id", a.fcc_id),
        ("trueoem:firmware", a.firmware),
        ("trueoem:serial", a.serial),
        ("trueoem:ip", a.ip),
        ("trueoem:category", a.category),
        ("trueoem:site", a.site),
        ("trueoem:legal_basis", a.legal_basis),
        ("trueoem:kb_version", a.kb_version or None),
    ]
    return [Property(name=k, value=v) for k, v in props if v]


def _component(a: ReportAsset) -> Component:
    desc = " ".join(
        x
        for x in (
            a.category,
            f"labelled {a.label_brand}" if a.label_brand else None,
            f"made by {a.oem_name}" if a.oem_name else None,
        )
        if x
    )
    return Component(
        type=ComponentType.DEVICE,
        name=a.model or f"device {a.id}",
        bom_ref=f"trueoem-asset-{a.n}",
        supplier=OrganizationalEntity(name=a.label_brand) if a.label_brand else None,
        manufacturer=OrganizationalEntity(name=a.oem_name) if a.oem_name else None,
        version=a.firmware,
        description=desc or None,
        properties=_properties(a),
    )


def build_bom(model: ReportModel) -> Bom:
    """The CycloneDX BOM object (for callers that want to add to it)."""
    seed = "\n".join([model.generated_at.isoformat(), *(f"{a.id}\t{a.verdict}\t{a.oem}" for a in model.assets)])
    tool = Component(type=ComponentType.APPLICATION, name="trueoem", version=__version__, bom_ref="trueoem-tool")
    bom = Bom(
        serial_number=uuid.uuid5(_NS, seed),
        metadata=BomMetaData(
            timestamp=model.generated_at,
            properties=[Property(name="trueoem:title", value=model.title)]
            + [Property(name="trueoem:kb_version", value=v) for v in model.kb_versions],
        ),
        components=[_component(a) for a in model.assets],
    )
    bom.metadata.tools.components.add(tool)
    return bom


def render_cyclonedx(model: ReportModel) -> str:
    """The assets as a CycloneDX 1.6 JSON hardware BOM."""
    return JsonV1Dot6(build_bom(model)).output_as_string(indent=2) + "\n"
