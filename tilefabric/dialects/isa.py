"""isa: the instruction mapping chosen for an op, as an attribute the IR carries.

`#isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [m, n, k, loop]>` says
which compute unit (of the module's target) runs the op's sub-operators, which of the unit's
templates, which kernel input plays each template input, and each loop dim's role (m, n, k,
lanes e, or looped around the instruction). `isa-map` puts it on ops as `tf.instruction`, with
`tf.padding_waste` (the share of the unit's work spent on padding); rtensor-to-dataflow
carries both to `dataflow.compute`, and the simulator charges that mapping's cycles.
"""

from __future__ import annotations

from xdsl.dialects.builtin import ArrayAttr, FloatAttr, IntAttr, StringAttr
from xdsl.ir import Attribute, Dialect, ParametrizedAttribute
from xdsl.irdl import irdl_attr_definition
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from tilefabric.dialects.int_lists import fmt, int_array, ints, parse_int_list
from tilefabric.isa.mapping import ROLES, Mapping

INSTRUCTION = "tf.instruction"
WASTE = "tf.padding_waste"


@irdl_attr_definition
class MappingAttr(ParametrizedAttribute):
    name = "isa.mapping"
    unit: StringAttr
    template: IntAttr
    inputs: ArrayAttr[IntAttr]
    roles: ArrayAttr[StringAttr]

    @staticmethod
    def make(m: Mapping) -> "MappingAttr":
        return MappingAttr(StringAttr(m.unit), IntAttr(m.template), int_array(m.inputs), ArrayAttr(StringAttr(r) for r in m.roles))

    def mapping(self) -> Mapping:
        return Mapping(self.unit.data, self.template.data, ints(self.inputs), tuple(r.data for r in self.roles.data))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> list[Attribute]:
        with parser.in_angle_brackets():
            parser.parse_keyword("unit")
            parser.parse_punctuation("=")
            unit = parser.parse_str_literal()
            parser.parse_punctuation(",")
            parser.parse_keyword("template")
            parser.parse_punctuation("=")
            template = parser.parse_integer(allow_boolean=False)
            parser.parse_punctuation(",")
            parser.parse_keyword("inputs")
            parser.parse_punctuation("=")
            inputs = parse_int_list(parser)
            parser.parse_punctuation(",")
            parser.parse_keyword("roles")
            parser.parse_punctuation("=")
            roles = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, parser.parse_identifier)
        return [StringAttr(unit), IntAttr(template), int_array(inputs), ArrayAttr(StringAttr(r) for r in roles)]

    def print_parameters(self, printer: Printer) -> None:
        roles = ", ".join(r.data for r in self.roles.data)
        printer.print_string(f'<unit = "{self.unit.data}", template = {self.template.data}, '
                             f"inputs = {fmt(ints(self.inputs))}, roles = [{roles}]>")

    def verify(self) -> None:
        bad = [r.data for r in self.roles.data if r.data not in ROLES]
        if bad:
            raise VerifyException(f"role '{bad[0]}' is not one of {', '.join(ROLES)}")
        if self.template.data < 0:
            raise VerifyException("template index must be >= 0")
        inputs = ints(self.inputs)
        if any(i < 0 for i in inputs) or len(set(inputs)) != len(inputs):
            raise VerifyException(f"inputs {fmt(inputs)} must be distinct input indices")


def verify_instruction(op) -> None:
    """For rtensor.compute / dataflow.compute: a recorded `tf.instruction` must give one role
    per loop dim and, when the module names its target, be a legal mapping of this op there;
    `tf.padding_waste` must be a fraction."""
    from tilefabric.dialects.rtensor import enclosing_target
    from tilefabric.isa.kernel import kernel_of_op
    from tilefabric.isa.mapping import check_mapping

    waste = op.attributes.get(WASTE)
    if waste is not None and not (isinstance(waste, FloatAttr) and 0.0 <= waste.value.data < 1.0):
        raise VerifyException(f"'{WASTE}' must be a float in [0, 1)")
    attr = op.attributes.get(INSTRUCTION)
    if attr is None:
        return
    if not isinstance(attr, MappingAttr):
        raise VerifyException(f"'{INSTRUCTION}' must be an #isa.mapping")
    n_dims = len(op.iterator_types.data)
    if len(attr.roles.data) != n_dims:
        raise VerifyException(f"'{INSTRUCTION}' gives {len(attr.roles.data)} roles for {n_dims} loop dims")
    target = enclosing_target(op)
    if target is not None:
        why = check_mapping(kernel_of_op(op), target, attr.mapping())
        if why:
            raise VerifyException(f"'{INSTRUCTION}' is not a legal mapping on '{target.name}': {why}")


ISA = Dialect("isa", [], [MappingAttr])
