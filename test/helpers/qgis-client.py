"""QGIS, headless, as a municipal GIS user sets it up (Debian 12's QGIS 3.22, python3-qgis).

Reads one JSON job from argv[1]:
  {"fonts": dir, "out": dir, "maps": [{"name", "kind": "vectortiles"|"wmts"|"wms", "uri", "crs", "extent": [xmin, ymin, xmax, ymax], "size": [w, h]}],
   "identify": {"uri", "crs", "point": [x, y]} (optional)}
Renders each map to out/{name}.png through QGIS's own providers (the vector tile layer
loads the served style from its styleUrl, as "Load style from URL" does), and identifies a
point on a WMS layer with QGIS's feature identify. Prints one JSON line: style conversion
warnings, layer validity and the identify answer.
"""
import json
import os
import sys

os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')

from qgis.core import (  # noqa: E402
    QgsApplication, QgsCoordinateReferenceSystem, QgsMapRendererSequentialJob, QgsMapSettings,
    QgsPointXY, QgsRaster, QgsRasterLayer, QgsRectangle, QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor, QFontDatabase  # noqa: E402

job = json.loads(sys.argv[1])
app = QgsApplication([], False)
app.initQgis()
# The engine's fonts, as a user installs them, so the style's text-font resolves.
for name in sorted(os.listdir(job['fonts'])):
    if name.endswith('.ttf'):
        QgsApplication.instance()  # keep the app alive for the font database
        QFontDatabase.addApplicationFont(os.path.join(job['fonts'], name))

result = {'maps': {}}


def layer_of(spec):
    if spec['kind'] == 'vectortiles':
        layer = QgsVectorTileLayer(spec['uri'], spec['name'])
        warnings, ok = layer.loadDefaultStyle()
        return layer, {'valid': layer.isValid(), 'styleLoaded': bool(ok), 'warnings': warnings}
    layer = QgsRasterLayer(spec['uri'], spec['name'], 'wms')
    return layer, {'valid': layer.isValid(), 'error': layer.error().summary() if not layer.isValid() else ''}


for spec in job['maps']:
    layer, info = layer_of(spec)
    if info['valid']:
        settings = QgsMapSettings()
        settings.setLayers([layer])
        settings.setDestinationCrs(QgsCoordinateReferenceSystem(spec['crs']))
        settings.setExtent(QgsRectangle(*spec['extent']))
        settings.setOutputSize(QSize(*spec['size']))
        settings.setOutputDpi(96)
        settings.setBackgroundColor(QColor(255, 255, 255))
        render = QgsMapRendererSequentialJob(settings)
        render.start()
        render.waitForFinished()
        path = os.path.join(job['out'], spec['name'] + '.png')
        render.renderedImage().save(path, 'PNG')
        info['png'] = path
        info['errors'] = [e.message for e in render.errors()]
    result['maps'][spec['name']] = info

if 'identify' in job:
    spec = job['identify']
    layer = QgsRasterLayer(spec['uri'], 'identify', 'wms')
    answer = {'valid': layer.isValid(), 'features': []}
    if layer.isValid():
        identified = layer.dataProvider().identify(
            QgsPointXY(*spec['point']), QgsRaster.IdentifyFormatFeature, layer.extent(), 512, 512)
        answer['ok'] = identified.isValid()
        for value in identified.results().values():
            for store in (value if isinstance(value, list) else [value]):
                features = store.features() if hasattr(store, 'features') else []
                for feature in features:
                    geometry = feature.geometry()
                    answer['features'].append({
                        'attributes': {f.name(): feature[f.name()] for f in feature.fields()},
                        'geometryType': geometry.type() if not geometry.isNull() else None,
                        'wkt': geometry.asWkt(0)[:200] if not geometry.isNull() else None,
                        'area': geometry.area() if not geometry.isNull() else 0,
                    })
    result['identify'] = answer

print(json.dumps(result, default=str))
