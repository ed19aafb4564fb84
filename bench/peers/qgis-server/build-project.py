#!/usr/bin/python3
"""
Builds the QGIS project (.qgs) of the QGIS Server peer benchmark (bench/peers/qgis-server.ts)
from the engine's own style, so both servers draw the same map from the same PostGIS tables:
the composed MapLibre layers of a style (tokens resolved by the engine's style loader) become
QGIS layers, rules and labels.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 build-project.py SPEC.json OUT.qgs

SPEC.json, written by qgis-server.ts:
    title          the WMS root layer name (GetMap LAYERS=title draws the whole map)
    crs            the project CRS, "EPSG:3006"
    database       {host, port, dbname, user, password}
    scaleAtZoom0   K: the engine's WMS draws MapLibre zoom z at scale 1:K/2^z (0.28 mm pixels)
    bandsPerZoom   zoom-dependent widths and sizes are stepped this finely (rule scale ranges)
    zoomRange      [lo, hi]: they are stepped between these zooms and constant beyond
    sourceLayers   {id: {table, geometryColumn, idColumn, srid, labelPoint, filter}}
    layers         the style's layers (MapLibre JSON)
    iconsDir       the SVG icons icon-image names

The translation:
  - consecutive drawing layers (fill, line) over one source layer become one QGIS layer with a
    rule-based renderer and symbol levels in the style's order: one query, casings under fills;
  - symbol layers become rule-based labels on the latest QGIS layer over their source layer (a
    layer of its own when there is none), priority by order: the upper first, as MapLibre
    places them; an icon becomes a marker, an icon fitted around the text a label background;
  - a property that branches on attributes at its top (match, case) becomes one rule per branch;
    zoom-dependent values (interpolate, step over ["zoom"]) become child rules per scale band,
    valued at the band's middle zoom; rule scales are whole numbers, as QGIS 3.22 reads them;
  - filters and text fields become QGIS expressions; widths and sizes are in pixels.
Anything else fails the build, naming the layer and the property, rather than drawing
something other than the style.
"""
import itertools
import json
import math
import os
import re
import sys

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsDataSourceUri,
    QgsExpression,
    QgsFillSymbol,
    QgsLabeling,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsNullSymbolRenderer,
    QgsPalLayerSettings,
    QgsProject,
    QgsRuleBasedLabeling,
    QgsRuleBasedRenderer,
    QgsSimpleFillSymbolLayer,
    QgsSimpleLineSymbolLayer,
    QgsStringUtils,
    QgsSvgMarkerSymbolLayer,
    QgsTextBackgroundSettings,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorSimplifyMethod,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QSizeF, Qt
from qgis.PyQt.QtGui import QColor, QFont

PX = QgsUnitTypes.RenderPixels
# Font stacks name a family and a style ("Noto Sans Bold"); these are the style words.
FONT_STYLES = ('Bold Italic', 'Regular', 'Bold', 'Italic', 'Medium', 'Light', 'SemiBold', 'Black')
FEATURE_OPS = {'get', 'has', '!has', 'properties', 'geometry-type', 'id', 'feature-state'}
# MapLibre defaults of the properties read here.
DEFAULTS = {
    'line-width': 1, 'line-color': '#000000', 'line-opacity': 1, 'line-cap': 'butt', 'line-join': 'miter',
    'fill-color': '#000000', 'fill-opacity': 1,
    'text-size': 16, 'text-color': '#000000', 'text-halo-width': 0, 'text-halo-color': 'rgba(0,0,0,0)',
    'text-letter-spacing': 0, 'text-max-width': 10, 'text-anchor': 'center', 'text-offset': [0, 0],
    'text-font': ['Open Sans Regular', 'Arial Unicode MS Regular'], 'text-transform': 'none',
    'text-max-angle': 45, 'symbol-spacing': 250, 'symbol-placement': 'point', 'text-rotation-alignment': 'auto',
    'icon-size': 1, 'icon-text-fit': 'none', 'icon-text-fit-padding': [0, 0, 0, 0], 'text-opacity': 1,
}
# Properties read per layer type; any other one fails the build (it would be drawn differently).
READ = {
    'fill': {'fill-color', 'fill-opacity', 'fill-outline-color', 'fill-antialias', 'visibility'},
    'line': {'line-color', 'line-width', 'line-opacity', 'line-dasharray', 'line-cap', 'line-join', 'visibility'},
    'symbol': {'symbol-placement', 'symbol-spacing', 'text-field', 'text-font', 'text-size', 'text-color', 'text-opacity',
               'text-halo-color', 'text-halo-width', 'text-letter-spacing', 'text-max-width', 'text-transform',
               'text-anchor', 'text-offset', 'text-max-angle', 'text-rotation-alignment', 'icon-image', 'icon-size',
               'icon-rotation-alignment', 'icon-text-fit', 'icon-text-fit-padding', 'visibility'},
}
# Properties that may branch on attributes (one rule per branch); text-field stays an expression.
SPLIT = {'fill-color', 'fill-outline-color', 'fill-opacity', 'line-color', 'line-width', 'line-opacity', 'text-color', 'icon-image', 'text-size'}
# Quadrant of a point label for MapLibre's text-anchor (the side of the text at the point).
QUADRANTS = {
    'center': QgsPalLayerSettings.QuadrantOver, 'top': QgsPalLayerSettings.QuadrantBelow, 'bottom': QgsPalLayerSettings.QuadrantAbove,
    'left': QgsPalLayerSettings.QuadrantRight, 'right': QgsPalLayerSettings.QuadrantLeft,
    'top-left': QgsPalLayerSettings.QuadrantBelowRight, 'top-right': QgsPalLayerSettings.QuadrantBelowLeft,
    'bottom-left': QgsPalLayerSettings.QuadrantAboveRight, 'bottom-right': QgsPalLayerSettings.QuadrantAboveLeft,
}


class Unsupported(Exception):
    """A part of the style this translation does not draw."""


# Operators of the MapLibre expression language: an array starting with one is an expression,
# any other array (a font stack, a dash array, an offset) a value.
OPERATORS = {
    'literal', 'array', 'boolean', 'collator', 'format', 'image', 'number', 'number-format', 'object', 'string',
    'to-boolean', 'to-color', 'to-number', 'to-string', 'typeof', 'accumulated', 'feature-state', 'geometry-type', 'id',
    'line-progress', 'properties', 'at', 'in', 'index-of', 'length', 'slice', 'get', 'has', '!has', '!in', 'none',
    '!', '!=', '<', '<=', '==', '>', '>=', 'all', 'any', 'case', 'coalesce', 'match', 'within', 'distance',
    'interpolate', 'interpolate-hcl', 'interpolate-lab', 'step', 'let', 'var', 'concat', 'downcase', 'upcase',
    'is-supported-script', 'resolved-locale', 'rgb', 'rgba', 'to-rgba', '-', '*', '/', '%', '^', '+', 'abs', 'acos',
    'asin', 'atan', 'ceil', 'cos', 'e', 'floor', 'ln', 'ln2', 'log10', 'log2', 'max', 'min', 'pi', 'round', 'sin',
    'sqrt', 'tan', 'zoom', 'heatmap-density', 'global-state',
}


def is_expression(e):
    return isinstance(e, list) and bool(e) and isinstance(e[0], str) and e[0] in OPERATORS


# ---- expressions -----------------------------------------------------------------------------

def uses(e, ops):
    """Whether an expression uses any of the operators."""
    if not is_expression(e) or e[0] == 'literal':
        return False
    return e[0] in ops or any(uses(x, ops) for x in e[1:])


def uses_zoom(e):
    return uses(e, {'zoom'})


def constant(e):
    """The value of an expression without feature or zoom parts, else None."""
    if is_expression(e):
        return e[1] if e[0] == 'literal' else None
    return e


def interpolate(kind, stops, z):
    if z <= stops[0][0]:
        return stops[0][1]
    if z >= stops[-1][0]:
        return stops[-1][1]
    for (z0, v0), (z1, v1) in zip(stops, stops[1:]):
        if z0 <= z <= z1:
            if not all(isinstance(v, (int, float)) for v in (v0, v1)):
                raise Unsupported(f'interpolate over non-numbers ({v0!r}, {v1!r})')
            if kind[0] == 'linear' or (kind[0] == 'exponential' and kind[1] == 1):
                t = (z - z0) / (z1 - z0)
            elif kind[0] == 'exponential':
                t = (kind[1] ** (z - z0) - 1) / (kind[1] ** (z1 - z0) - 1)
            else:
                raise Unsupported(f'interpolate {kind!r}')
            return v0 + t * (v1 - v0)
    raise AssertionError('unreachable')


def at_zoom(e, z):
    """The expression with every zoom-dependent part valued at zoom z."""
    if not is_expression(e) or e[0] == 'literal':
        return e
    op = e[0]
    if op == 'zoom':
        return z
    if op == 'interpolate' and e[2] == ['zoom']:
        return interpolate(e[1], [(e[i], at_zoom(e[i + 1], z)) for i in range(3, len(e), 2)], z)
    if op == 'step' and e[1] == ['zoom']:
        value = e[2]
        for i in range(3, len(e), 2):
            if z >= e[i]:
                value = e[i + 1]
        return at_zoom(value, z)
    args = [at_zoom(x, z) for x in e[1:]]
    if op in ('*', '+', '-', '/') and all(isinstance(a, (int, float)) for a in args):
        if op == '*':
            return math.prod(args)
        if op == '+':
            return sum(args)
        if op == '-':
            return args[0] - args[1] if len(args) == 2 else -args[0]
        return args[0] / args[1]
    return [op, *args]


def zoom_stops(e):
    """Zooms at which a step over the zoom changes."""
    if not is_expression(e) or e[0] == 'literal':
        return set()
    found = set()
    if e[0] == 'step' and e[1] == ['zoom']:
        found.update(e[i] for i in range(3, len(e), 2))
    for x in e[1:]:
        found |= zoom_stops(x)
    return found


def qlit(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return QgsExpression.quotedString(v)
    if v is None:
        return 'NULL'
    raise Unsupported(f'literal {v!r}')


def qexpr(e):
    """A MapLibre expression over feature attributes as a QGIS expression."""
    if not is_expression(e):
        return qlit(e)
    op, args = e[0], e[1:]
    if op == 'literal':
        return qlit(args[0])
    if op == 'get' and len(args) == 1:
        return QgsExpression.quotedColumnRef(args[0])
    if op == 'has':
        return f'({QgsExpression.quotedColumnRef(args[0])} IS NOT NULL)'
    if op == '!has':
        return f'({QgsExpression.quotedColumnRef(args[0])} IS NULL)'
    if op == '==':
        return f'({qexpr(args[0])} = {qexpr(args[1])})'
    if op == '!=':
        # As in MapLibre, a missing attribute differs from any value.
        return f'({qexpr(args[0])} IS NULL OR {qexpr(args[0])} <> {qexpr(args[1])})'
    if op in ('<', '<=', '>', '>='):
        return f'({qexpr(args[0])} {op} {qexpr(args[1])})'
    if op == 'in' and isinstance(args[1], list) and args[1][0] == 'literal':
        return f'({qexpr(args[0])} IN ({", ".join(qlit(v) for v in args[1][1])}))'
    # A comparison with a missing attribute is NULL in QGIS, false in MapLibre: the same in
    # AND, OR and a rule's filter, which is why only NOT needs coalesce.
    if op == 'all':
        return '(' + ' AND '.join(qexpr(a) for a in args) + ')'
    if op == 'any':
        return '(' + ' OR '.join(qexpr(a) for a in args) + ')'
    if op == '!':
        return f'(NOT coalesce({qexpr(args[0])}, false))'
    if op == 'slice':
        start = args[1]
        if len(args) == 3:
            return f'substr({qexpr(args[0])}, {start + 1}, {args[2] - start})'
        return f'substr({qexpr(args[0])}, {start + 1})'
    if op == 'case':
        whens = ' '.join(f'WHEN {qexpr(args[i])} THEN {qexpr(args[i + 1])}' for i in range(0, len(args) - 1, 2))
        return f'(CASE {whens} ELSE {qexpr(args[-1])} END)'
    if op == 'match' and all(isinstance(args[i], bool) for i in [*range(2, len(args) - 1, 2), len(args) - 1]):
        # A filter (["in", …] comes composed as one): IN, which QGIS runs in the database.
        subject = qexpr(args[0])
        labels = {flag: [v for i in range(1, len(args) - 1, 2) if args[i + 1] is flag for v in (args[i] if isinstance(args[i], list) else [args[i]])] for flag in (True, False)}
        if args[-1] is False:
            return f'({subject} IN ({", ".join(qlit(v) for v in labels[True])}))' if labels[True] else 'false'
        return f'({subject} IS NULL OR {subject} NOT IN ({", ".join(qlit(v) for v in labels[False])}))' if labels[False] else 'true'
    if op == 'match':
        subject = qexpr(args[0])
        whens = []
        for i in range(1, len(args) - 1, 2):
            labels = args[i] if isinstance(args[i], list) else [args[i]]
            whens.append(f'WHEN {subject} IN ({", ".join(qlit(v) for v in labels)}) THEN {qexpr(args[i + 1])}')
        return f'(CASE {" ".join(whens)} ELSE {qexpr(args[-1])} END)'
    if op == 'upcase':
        return f'upper({qexpr(args[0])})'
    if op == 'downcase':
        return f'lower({qexpr(args[0])})'
    if op == 'concat':
        return '(' + ' || '.join(f"coalesce({qexpr(a)}, '')" for a in args) + ')'
    if op == 'to-string':
        return f'to_string({qexpr(args[0])})'
    raise Unsupported(f'expression {op!r}')


def branches(value):
    """(condition, value) pairs of a value that branches on attributes at its top; the condition None means always."""
    if not is_expression(value) or value[0] not in ('match', 'case') or not uses(value, FEATURE_OPS):
        return [(None, value)]
    out = []
    if value[0] == 'match':
        subject = qexpr(value[1])
        every = []
        for i in range(2, len(value) - 1, 2):
            labels = value[i] if isinstance(value[i], list) else [value[i]]
            every += labels
            out.append((f'({subject} IN ({", ".join(qlit(v) for v in labels)}))', value[i + 1]))
        out.append((f'({subject} IS NULL OR {subject} NOT IN ({", ".join(qlit(v) for v in every)}))', value[-1]))
    else:
        before = []
        for i in range(1, len(value) - 1, 2):
            condition = f'coalesce({qexpr(value[i])}, false)'
            out.append(('(' + ' AND '.join([f'NOT {c}' for c in before] + [condition]) + ')', value[i + 1]))
            before.append(condition)
        out.append(('(' + ' AND '.join(f'NOT {c}' for c in before) + ')', value[-1]))
    # A branch's value may branch again.
    return [(both(c, inner_c), inner_v) for c, v in out for inner_c, inner_v in branches(v)]


def widened(e):
    """
    A filter QGIS can run in the database that keeps at least what e keeps (True: everything):
    parts it cannot compile (substr, CASE) are left out of an "all" and make an "any" everything.
    """
    if e is True or not is_expression(e):
        return e
    op = e[0]
    if op == 'all':
        parts = [p for p in (widened(x) for x in e[1:]) if p is not True]
        return ['all', *parts] if parts else True
    if op == 'any':
        parts = [widened(x) for x in e[1:]]
        return True if any(p is True for p in parts) else ['any', *parts]
    if op == '!':
        return e if compilable(e[1]) else True
    return e if compilable(e) else True


def compilable(e):
    """A comparison of attributes with values, which QGIS's PostgreSQL compiler turns into SQL."""
    if not is_expression(e) or e[0] not in ('==', '!=', '<', '<=', '>', '>=', 'in', 'has', '!has', 'match'):
        return False
    if e[0] == 'match' and not all(isinstance(e[i], bool) for i in [*range(3, len(e) - 1, 2), len(e) - 1]):
        return False

    def plain(x):
        return (is_expression(x) and ((x[0] == 'get' and len(x) == 2) or x[0] == 'literal')) or not isinstance(x, list) or all(not isinstance(v, list) for v in x)
    return all(plain(x) for x in e[1:])


def unique(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def covered(labelled, painted):
    """
    Whether every feature one of the labelled filters keeps is kept by a painted one, for
    filters that compare attributes with values: tried on every value they name, one more and
    none (the answer depends on nothing else). False when unsure.
    """
    filters = [f for f in labelled + painted if f is not True]
    if True in painted:
        return True
    if not all(comparisons_only(f) for f in filters):
        return False
    named = {}
    for f in filters:
        for key, values in named_values(f).items():
            named.setdefault(key, set()).update(values)
    keys = sorted(named)
    options = [sorted(named[k], key=repr) + [None, '\u0000other'] for k in keys]
    if math.prod(len(o) for o in options) > 100_000:
        return False
    for combination in itertools.product(*options):
        values = dict(zip(keys, combination))
        if any(f is True or holds(f, values) for f in labelled) and not any(holds(f, values) for f in painted):
            return False
    return True


def comparisons_only(e):
    if is_expression(e) and e[0] in ('all', 'any'):
        return all(comparisons_only(x) for x in e[1:])
    if is_expression(e) and e[0] == '!':
        return comparisons_only(e[1])
    return compilable(e) and e[0] not in ('<', '<=', '>', '>=')


def named_values(e):
    """Attribute → the values a filter of comparisons compares it with."""
    out = {}
    if e[0] in ('all', 'any', '!'):
        for x in e[1:]:
            for k, v in named_values(x).items():
                out.setdefault(k, set()).update(v)
        return out
    key = e[1][1] if is_expression(e[1]) and e[1][0] == 'get' else e[1] if e[0] in ('has', '!has') else None
    values = set()
    if e[0] in ('==', '!='):
        values.add(constant(e[2]))
    elif e[0] == 'in':
        values.update(constant(e[2]))
    elif e[0] == 'match':
        for i in range(2, len(e) - 1, 2):
            values.update(e[i] if isinstance(e[i], list) else [e[i]])
    out[key] = values - {None}
    return out


def holds(e, values):
    """A filter of comparisons on one feature's attributes, as MapLibre evaluates it."""
    op = e[0]
    if op == 'all':
        return all(holds(x, values) for x in e[1:])
    if op == 'any':
        return any(holds(x, values) for x in e[1:])
    if op == '!':
        return not holds(e[1], values)
    if op == 'has':
        return values.get(e[1]) is not None
    if op == '!has':
        return values.get(e[1]) is None
    subject = values.get(e[1][1])
    if op == '==':
        return subject == constant(e[2])
    if op == '!=':
        return subject != constant(e[2])
    if op == 'in':
        return subject in constant(e[2])
    for i in range(2, len(e) - 1, 2):
        if subject in (e[i] if isinstance(e[i], list) else [e[i]]):
            return e[i + 1]
    return e[-1]


def both(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return f'{a} AND {b}'


# ---- values ----------------------------------------------------------------------------------

def colour(value, where):
    v = constant(value)
    if not isinstance(v, str):
        raise Unsupported(f'{where}: colour {value!r}')
    m = re.fullmatch(r'\s*rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)\s*', v)
    if m:
        alpha = float(m.group(4)) if m.group(4) is not None else 1.0
        return QColor(int(float(m.group(1))), int(float(m.group(2))), int(float(m.group(3))), round(alpha * 255))
    c = QColor(v)
    if not c.isValid():
        raise Unsupported(f'{where}: colour {v!r}')
    return c


def number(value, where):
    v = constant(value)
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        raise Unsupported(f'{where}: number {value!r}')
    return float(v)


def font_of(stack, where):
    name = constant(stack)[0]
    for style in FONT_STYLES:
        if name.endswith(' ' + style):
            return name[: -len(style) - 1], style
    raise Unsupported(f'{where}: font {name!r} (expected "<family> <style>")')


class Icons:
    """The style's SVG icons: size, and the shape of those drawn as label backgrounds."""

    def __init__(self, folder):
        self.folder = folder

    def path(self, name):
        path = os.path.join(self.folder, f'{name}.svg')
        if not os.path.exists(path):
            raise Unsupported(f'icon {name!r}: no {path}')
        return path

    def size(self, name):
        text = open(self.path(name), encoding='utf8').read()
        m = re.search(r'<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"', text)
        if not m:
            raise Unsupported(f'icon {name!r}: no width and height on <svg>')
        return float(m.group(1)), float(m.group(2))

    def rect(self, name):
        """Fill, stroke, stroke width and corner radius of an icon that is one rounded rectangle, else None."""
        text = open(self.path(name), encoding='utf8').read()
        rects = re.findall(r'<rect\b([^>]*)/?>', text)
        if len(rects) != 1 or re.search(r'<(circle|path|polygon|ellipse|line|text)\b', text):
            return None
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', rects[0]))
        return QColor(attrs.get('fill', '#000000')), QColor(attrs.get('stroke', '#000000')), float(attrs.get('stroke-width', '0')), float(attrs.get('rx', '0'))


# ---- one band of one layer -----------------------------------------------------------------------

def fill_symbol(p, where, rendering_pass):
    symbol = QgsFillSymbol()
    fill = QgsSimpleFillSymbolLayer()
    fill.setColor(colour(p.get('fill-color', DEFAULTS['fill-color']), where))
    if 'fill-outline-color' in p:
        # MapLibre's outline is a 1-px line.
        fill.setStrokeColor(colour(p['fill-outline-color'], where))
        fill.setStrokeWidth(1)
        fill.setStrokeWidthUnit(PX)
    else:
        fill.setStrokeStyle(Qt.NoPen)
    fill.setRenderingPass(rendering_pass)
    symbol.changeSymbolLayer(0, fill)
    symbol.setOpacity(number(p.get('fill-opacity', 1), where))
    return symbol


CAPS = {'butt': Qt.FlatCap, 'round': Qt.RoundCap, 'square': Qt.SquareCap}
JOINS = {'miter': Qt.MiterJoin, 'round': Qt.RoundJoin, 'bevel': Qt.BevelJoin}


def line_symbol(p, where, rendering_pass, geometry):
    """A line, or over polygons their outline (a fill symbol of one line layer)."""
    width = number(p.get('line-width', DEFAULTS['line-width']), where)
    if width <= 0:
        return None
    line = QgsSimpleLineSymbolLayer(colour(p.get('line-color', DEFAULTS['line-color']), where), width)
    line.setWidthUnit(PX)
    line.setPenCapStyle(CAPS[constant(p.get('line-cap', 'butt'))])
    line.setPenJoinStyle(JOINS[constant(p.get('line-join', 'miter'))])
    if 'line-dasharray' in p:
        # MapLibre dashes are in line widths.
        line.setUseCustomDashPattern(True)
        line.setCustomDashVector([d * width for d in constant(p['line-dasharray'])])
        line.setCustomDashPatternUnit(PX)
    line.setRenderingPass(rendering_pass)
    symbol = QgsFillSymbol() if geometry == QgsWkbTypes.PolygonGeometry else QgsLineSymbol()
    symbol.changeSymbolLayer(0, line)
    symbol.setOpacity(number(p.get('line-opacity', 1), where))
    return symbol


def marker_symbol(p, where, icons, rendering_pass):
    name = constant(p['icon-image'])
    if name in (None, ''):
        return None
    width, _ = icons.size(name)
    marker = QgsSvgMarkerSymbolLayer(icons.path(name), width * number(p.get('icon-size', 1), where))
    marker.setSizeUnit(PX)
    marker.setRenderingPass(rendering_pass)
    symbol = QgsMarkerSymbol()
    symbol.changeSymbolLayer(0, marker)
    return symbol


def label_settings(p, where, icons, priority, geometry):
    """A symbol layer's text at one zoom band as QGIS label settings (None: nothing drawn)."""
    field = p.get('text-field')
    if field in (None, ''):
        return None
    s = QgsPalLayerSettings()
    if isinstance(field, list) and field[0] == 'get' and len(field) == 2:
        s.fieldName, s.isExpression = field[1], False
    else:
        s.fieldName, s.isExpression = qexpr(field), True
    size = number(p.get('text-size', DEFAULTS['text-size']), where)
    family, style = font_of(p.get('text-font', DEFAULTS['text-font']), where)
    font = QFont(family)
    spacing = number(p.get('text-letter-spacing', 0), where)
    if spacing:
        font.setLetterSpacing(QFont.AbsoluteSpacing, spacing * size)
    text = QgsTextFormat()
    text.setFont(font)
    text.setNamedStyle(style)
    text.setSize(size)
    text.setSizeUnit(PX)
    text.setColor(colour(p.get('text-color', DEFAULTS['text-color']), where))
    text.setOpacity(number(p.get('text-opacity', 1), where))
    transform = constant(p.get('text-transform', 'none'))
    if transform == 'uppercase':
        text.setCapitalization(QgsStringUtils.AllUppercase)
    elif transform == 'lowercase':
        text.setCapitalization(QgsStringUtils.AllLowercase)
    halo = number(p.get('text-halo-width', 0), where)
    if halo > 0:
        halo_colour = colour(p.get('text-halo-color', DEFAULTS['text-halo-color']), where)
        buffer = QgsTextBufferSettings()
        buffer.setEnabled(True)
        buffer.setSize(halo)
        buffer.setSizeUnit(PX)
        buffer.setOpacity(halo_colour.alphaF())
        halo_colour.setAlpha(255)
        buffer.setColor(halo_colour)
        text.setBuffer(buffer)
    icon = constant(p.get('icon-image', ''))
    fit = constant(p.get('icon-text-fit', 'none'))
    if icon not in (None, '') and fit != 'none':
        text.setBackground(fitted_background(icon, p, where, icons))
    s.setFormat(text)

    placement = constant(p.get('symbol-placement', 'point'))
    if placement == 'line':
        if geometry != QgsWkbTypes.LineGeometry:
            raise Unsupported(f'{where}: symbol-placement line over a layer that is not lines')
        viewport = constant(p.get('text-rotation-alignment', 'auto')) == 'viewport'
        # Upright text at the line (viewport alignment) or following it.
        s.placement = QgsPalLayerSettings.Horizontal if viewport else QgsPalLayerSettings.Curved
        line = s.lineSettings()
        line.setPlacementFlags(QgsLabeling.LinePlacementFlags(QgsLabeling.OnLine))
        s.setLineSettings(line)
        angle = number(p.get('text-max-angle', DEFAULTS['text-max-angle']), where)
        s.maxCurvedCharAngleIn = angle
        s.maxCurvedCharAngleOut = -angle
        s.repeatDistance = number(p.get('symbol-spacing', DEFAULTS['symbol-spacing']), where)
        s.repeatDistanceUnit = PX
    elif placement == 'point':
        if geometry != QgsWkbTypes.PointGeometry:
            raise Unsupported(f'{where}: point labels over a layer that is not points')
        s.placement = QgsPalLayerSettings.OverPoint
        anchor = constant(p.get('text-anchor', 'center'))
        if anchor not in QUADRANTS:
            raise Unsupported(f'{where}: text-anchor {anchor!r}')
        s.quadOffset = QUADRANTS[anchor]
        dx, dy = constant(p.get('text-offset', [0, 0]))
        s.xOffset, s.yOffset = dx * size, dy * size
        s.offsetUnits = PX
        # MapLibre wraps at text-max-width ems; about two characters an em.
        s.autoWrapLength = round(2 * number(p.get('text-max-width', DEFAULTS['text-max-width']), where))
        s.useMaxLineLengthForAutoWrap = True
    else:
        raise Unsupported(f'{where}: symbol-placement {placement!r}')
    s.priority = priority
    # MapLibre lets labels cover lines and areas; only labels and icons collide.
    obstacle = s.obstacleSettings()
    obstacle.setIsObstacle(icon not in (None, '') and fit == 'none')
    s.setObstacleSettings(obstacle)
    return s


def fitted_background(icon, p, where, icons):
    """An icon stretched around its text (icon-text-fit) as a label background."""
    top, right, bottom, left = constant(p.get('icon-text-fit-padding', [0, 0, 0, 0]))
    background = QgsTextBackgroundSettings()
    background.setEnabled(True)
    background.setSizeType(QgsTextBackgroundSettings.SizeBuffer)
    background.setSize(QSizeF((left + right) / 2, (top + bottom) / 2))
    background.setSizeUnit(PX)
    rect = icons.rect(icon)
    if rect:
        fill, stroke, stroke_width, radius = rect
        background.setType(QgsTextBackgroundSettings.ShapeRectangle)
        background.setFillColor(fill)
        background.setStrokeColor(stroke)
        background.setStrokeWidth(stroke_width)
        background.setStrokeWidthUnit(PX)
        background.setRadii(QSizeF(radius, radius))
        background.setRadiiUnit(PX)
    else:
        background.setType(QgsTextBackgroundSettings.ShapeSVG)
        background.setSvgFile(icons.path(icon))
    return background


# ---- layers ----------------------------------------------------------------------------------

class Translation:
    def __init__(self, spec):
        self.spec = spec
        self.k = spec['scaleAtZoom0']
        self.step = 1 / spec['bandsPerZoom']
        self.zoom_lo, self.zoom_hi = spec['zoomRange']
        self.icons = Icons(spec['iconsDir'])

    def scale(self, z):
        """Scale denominator of a zoom, whole (QGIS 3.22 reads rule scales as integers); 0: no limit."""
        if z <= 0 or z >= 24:
            return 0
        return round(self.k / 2 ** z)

    def props(self, layer):
        where = f'layer {layer["id"]}'
        props = {**layer.get('layout', {}), **layer.get('paint', {})}
        unknown = sorted(set(props) - READ[layer['type']])
        if unknown:
            raise Unsupported(f'{where}: {", ".join(unknown)}')
        return props

    def variants(self, props):
        """(condition, properties) per branch of the properties that branch on attributes."""
        out = [(None, {})]
        for key, value in props.items():
            options = branches(value) if key in SPLIT else [(None, value)]
            if key not in SPLIT and key != 'text-field' and uses(value, FEATURE_OPS):
                raise Unsupported(f'{key} depends on attributes: {value!r}')
            out = [(both(c, bc), {**p, key: bv}) for c, p in out for bc, bv in options]
        return out

    def bands(self, layer, props):
        """[(from zoom, to zoom, the properties there)], equal neighbours merged."""
        lo, hi = layer.get('minzoom', 0), layer.get('maxzoom', 24)
        if not any(uses_zoom(v) for v in props.values()):
            return [(lo, hi, props)]
        cuts = {lo, hi}
        z = math.ceil(self.zoom_lo / self.step) * self.step
        while z <= self.zoom_hi:
            cuts.add(z)
            z += self.step
        for v in props.values():
            cuts |= zoom_stops(v)
        cuts = sorted(c for c in cuts if lo <= c <= hi)
        out = []
        for a, b in zip(cuts, cuts[1:]):
            mid = min(max((a + b) / 2, self.zoom_lo), self.zoom_hi)
            valued = {k: rounded(at_zoom(v, mid)) for k, v in props.items()}
            if out and out[-1][2] == valued:
                out[-1] = (out[-1][0], b, valued)
            else:
                out.append((a, b, valued))
        return out

    def renderer(self, draws, texts, geometry):
        """A rule-based renderer of drawing layers in order (symbol levels: each layer a pass)."""
        root = QgsRuleBasedRenderer.Rule(None)
        drawn = []  # (from zoom, to zoom, filter) of every band drawing something
        for rendering_pass, layer in enumerate(draws):
            where = f'layer {layer["id"]}'
            props = self.props(layer)
            base = qexpr(layer['filter']) if 'filter' in layer else None
            for condition, variant in self.variants(props):
                parent = QgsRuleBasedRenderer.Rule(None, self.scale(layer.get('maxzoom', 24)), self.scale(layer.get('minzoom', 0)), both(base, condition) or '', layer['id'])
                for a, b, p in self.bands(layer, variant):
                    if layer['type'] == 'fill':
                        symbol = fill_symbol(p, where, rendering_pass)
                    elif layer['type'] == 'line':
                        symbol = line_symbol(p, where, rendering_pass, geometry)
                    else:
                        symbol = marker_symbol(p, where, self.icons, rendering_pass) if constant(p.get('icon-text-fit', 'none')) == 'none' else None
                    if symbol is not None:
                        parent.appendChild(QgsRuleBasedRenderer.Rule(symbol, self.scale(b), self.scale(a), '', f'{layer["id"]} z{a:g}–{b:g}'))
                        drawn.append((a, b, layer.get('filter')))
                if parent.children():
                    root.appendChild(parent)
        for rule in self.labelled_only(drawn, texts, geometry):
            root.appendChild(rule)
        renderer = QgsRuleBasedRenderer(root)
        renderer.setUsingSymbolLevels(len(draws) > 1)
        return renderer

    def labelled_only(self, drawn, texts, geometry):
        """
        Rules for features labelled but not drawn: QGIS labels only what its renderer draws, so
        these are drawn with a symbol that is switched off. Each keeps, per span of zooms, what
        the labels there may read (widened: a filter QGIS runs in the database, so the layer's
        query stays as narrow as its drawing rules) and no drawing layer draws; none where the
        drawing layers provably draw everything the labels read.
        """
        read = [(l.get('minzoom', 0), l.get('maxzoom', 24), widened(l['filter']) if 'filter' in l else True) for l in texts]
        cuts = sorted({z for lo, hi, _ in drawn + read for z in (lo, hi)})
        rules = []
        for a, b in zip(cuts, cuts[1:]):
            labelled = unique(f for lo, hi, f in read if lo <= a and b <= hi)
            painted = unique(f for lo, hi, f in drawn if lo <= a and b <= hi)
            if not labelled or None in painted or covered(labelled, painted):
                continue
            wanted = None if True in labelled else '(' + ' OR '.join(qexpr(f) for f in labelled) + ')'
            condition = both(wanted, 'NOT coalesce(' + ' OR '.join(qexpr(f) for f in painted) + ', false)' if painted else None) or ''
            if rules and rules[-1][2] == condition and rules[-1][1] == a:
                rules[-1] = (rules[-1][0], b, condition)
            else:
                rules.append((a, b, condition))
        out = []
        for a, b, condition in rules:
            symbol = {QgsWkbTypes.PointGeometry: QgsMarkerSymbol, QgsWkbTypes.LineGeometry: QgsLineSymbol, QgsWkbTypes.PolygonGeometry: QgsFillSymbol}[geometry]()
            symbol.symbolLayer(0).setEnabled(False)
            out.append(QgsRuleBasedRenderer.Rule(symbol, self.scale(b), self.scale(a), condition, f'labelled, not drawn z{a:g}–{b:g}'))
        return out

    def labeling(self, texts, priorities, geometry):
        root = QgsRuleBasedLabeling.Rule(None)
        for layer in texts:
            where = f'layer {layer["id"]}'
            base = qexpr(layer['filter']) if 'filter' in layer else None
            for condition, variant in self.variants(self.props(layer)):
                parent = QgsRuleBasedLabeling.Rule(None, self.scale(layer.get('maxzoom', 24)), self.scale(layer.get('minzoom', 0)), both(base, condition) or '', layer['id'])
                for a, b, p in self.bands(layer, variant):
                    settings = label_settings(p, where, self.icons, priorities[layer['id']], geometry)
                    if settings is not None:
                        parent.appendChild(QgsRuleBasedLabeling.Rule(settings, self.scale(b), self.scale(a), '', f'{layer["id"]} z{a:g}–{b:g}'))
                if parent.children():
                    root.appendChild(parent)
        return QgsRuleBasedLabeling(root) if root.children() else None

    def source(self, source_layer, name):
        """A PostGIS layer over the table of a source layer (its label points: the engine's expression)."""
        spec = self.spec['sourceLayers'].get(source_layer)
        if spec is None:
            raise Unsupported(f'source layer {source_layer!r} is not in the tileset')
        db = self.spec['database']
        uri = QgsDataSourceUri()
        uri.setConnection(db['host'], str(db['port']), db['dbname'], db['user'], db.get('password', ''))
        table, geom, key = spec['table'], spec['geometryColumn'], spec['idColumn']
        schema, _, bare = table.rpartition('.')
        if spec.get('labelPoint'):
            # The same point as mvt-query.ts labelPointOf, so its expression index is used.
            g = QgsExpression.quotedColumnRef(geom)
            point = f'CASE WHEN ST_Dimension({g}) = 2 THEN (ST_MaximumInscribedCircle({g})).center ELSE ST_PointOnSurface({g}) END'
            where = f' WHERE {spec["filter"]}' if spec.get('filter') else ''
            columns = [QgsExpression.quotedColumnRef(c) for c in [key, *(a for a in spec['attributes'] if a != key)]]
            select = f'SELECT {", ".join(columns)}, {point} AS {g} FROM {table}{where}'
            uri.setDataSource('', f'({select})', geom, '', key)
            uri.setWkbType(QgsWkbTypes.Point)
        else:
            uri.setDataSource(schema or 'public', bare, geom, spec.get('filter') or '', key)
        uri.setSrid(str(spec['srid']))
        uri.setUseEstimatedMetadata(True)
        uri.setParam('checkPrimaryKeyUnicity', '0')
        layer = QgsVectorLayer(uri.uri(False), name, 'postgres')
        if not layer.isValid():
            raise RuntimeError(f'QGIS cannot open {table} for {name}: {layer.dataProvider().error().summary() if layer.dataProvider() else "no provider"}')
        # As QGIS Desktop sets up a new layer: geometries simplified to a pixel, locally.
        simplify = QgsVectorSimplifyMethod()
        simplify.setSimplifyHints(QgsVectorSimplifyMethod.GeometrySimplification)
        simplify.setThreshold(1.0)
        simplify.setForceLocalOptimization(True)
        layer.setSimplifyMethod(simplify)
        return layer


def rounded(v):
    if isinstance(v, float):
        return round(v, 2)
    if isinstance(v, list):
        return [rounded(x) for x in v]
    return v


def plan(layers):
    """QGIS layers in drawing order: [{source, draws, texts}]."""
    planned = []
    background = None
    for layer in layers:
        if layer.get('layout', {}).get('visibility') == 'none':
            continue
        kind = layer['type']
        if kind == 'background':
            background = layer
        elif kind in ('fill', 'line'):
            last = planned[-1] if planned else None
            if last and last['source'] == layer['source-layer'] and not last['texts']:
                last['draws'].append(layer)
            else:
                planned.append({'source': layer['source-layer'], 'draws': [layer], 'texts': []})
        elif kind == 'symbol':
            target = next((q for q in reversed(planned) if q['source'] == layer['source-layer']), None)
            if target is None:
                target = {'source': layer['source-layer'], 'draws': [], 'texts': []}
                planned.append(target)
            target['texts'].append(layer)
            if 'icon-image' in layer.get('layout', {}) and layer['layout'].get('icon-text-fit', 'none') == 'none':
                target['draws'].append(layer)
        else:
            raise Unsupported(f'layer {layer["id"]}: type {kind}')
    return background, planned


def main(spec_path, out_path):
    spec = json.load(open(spec_path, encoding='utf8'))
    app = QgsApplication([], False)
    app.initQgis()
    try:
        t = Translation(spec)
        project = QgsProject.instance()
        project.setTitle(spec['title'])
        project.setCrs(QgsCoordinateReferenceSystem(spec['crs']))
        project.setTrustLayerMetadata(True)
        project.writeEntry('WMSRootName', '/', spec['title'])
        background, planned = plan(spec['layers'])
        if background is not None:
            project.setBackgroundColor(colour(background.get('paint', {}).get('background-color', '#000000'), f'layer {background["id"]}'))
        symbol_layers = [l for l in spec['layers'] if l['type'] == 'symbol']
        # MapLibre places the upper symbol layers first; QGIS priorities run 0–10, highest first.
        priorities = {l['id']: round(10 * i / max(1, len(symbol_layers) - 1)) for i, l in enumerate(symbol_layers)}
        root = project.layerTreeRoot()
        for index, q in enumerate(planned):
            name = f'{index:02d}-{q["source"]}'
            layer = t.source(q['source'], name)
            draws = q['draws']
            layer.setRenderer(t.renderer(draws, q['texts'], layer.geometryType()) if draws else QgsNullSymbolRenderer())
            # Not queried at all outside its layers' zooms, as one sets up a QGIS project.
            layer.setScaleBasedVisibility(True)
            layer.setMinimumScale(t.scale(min(l.get('minzoom', 0) for l in draws + q['texts'])))
            layer.setMaximumScale(t.scale(max(l.get('maxzoom', 24) for l in draws + q['texts'])))
            labeling = t.labeling(q['texts'], priorities, layer.geometryType()) if q['texts'] else None
            if labeling is not None:
                layer.setLabeling(labeling)
                layer.setLabelsEnabled(True)
            project.addMapLayer(layer, False)
            # The first child of the tree is drawn on top.
            root.insertLayer(0, layer)
        if not project.write(out_path):
            raise RuntimeError(f'cannot write {out_path}: {project.error()}')
        print(json.dumps({'layers': [f'{i:02d}-{q["source"]}' for i, q in enumerate(planned)], 'qgis': Qgis.QGIS_VERSION}))
    except Unsupported as error:
        print(f'unsupported in the style: {error}', file=sys.stderr)
        return 3
    finally:
        app.exitQgis()
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
