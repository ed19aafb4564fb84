#!/usr/bin/python3
"""
One Mapnik render process of the cold-rendering peer (bench/peers/mapnik.ts), as one of
renderd's render threads: loads the Mapnik XML once, then renders the metatiles it is sent
one at a time and cuts each into 256-px XYZ tiles encoded as PNG.

Protocol, one JSON object a line: it prints {"ready": ...} once the map is loaded, then for
each job {"z", "x0", "y0", "cols", "rows", "keep": [[x, y], ...], "out": dir} read on stdin
it prints {"ms", "bytes": [...]} (the PNG size of each tile, row by row); the tiles in "keep"
are also written to out/z-x-y.png. End of input ends it.

The image is the metatile itself; the Map's buffer-size (the XML's) widens what is read
and where labels are placed, as renderd does. Format: Mapnik's png256 (8-bit palette, what
renderd writes by default), or the format given as the third argument.
"""
import json
import os
import sys
import time

import mapnik

TILE_PX = 256
# Half the Web Mercator world's width in metres.
ORIGIN = 20037508.342789244


def metatile_box(z, x0, y0, cols, rows):
    """The Web Mercator extent of tiles x0..x0+cols-1, y0..y0+rows-1 of level z (y down)."""
    size = 2 * ORIGIN / (1 << z)
    return mapnik.Box2d(-ORIGIN + x0 * size, ORIGIN - (y0 + rows) * size, -ORIGIN + (x0 + cols) * size, ORIGIN - y0 * size)


def main():
    xml, fonts_dir = sys.argv[1], sys.argv[2]
    image_format = sys.argv[3] if len(sys.argv) > 3 else 'png256'
    mapnik.register_fonts(fonts_dir)
    m = mapnik.Map(TILE_PX, TILE_PX)
    mapnik.load_map(m, xml, True)
    print(json.dumps({'ready': True, 'mapnik': mapnik.mapnik_version(), 'faces': sorted(mapnik.FontEngine.face_names())}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        start = time.perf_counter()
        cols, rows = job['cols'], job['rows']
        m.resize(cols * TILE_PX, rows * TILE_PX)
        m.zoom_to_box(metatile_box(job['z'], job['x0'], job['y0'], cols, rows))
        image = mapnik.Image(cols * TILE_PX, rows * TILE_PX)
        mapnik.render(m, image)
        keep = {(x, y) for x, y in job.get('keep', [])}
        sizes = []
        for j in range(rows):
            for i in range(cols):
                png = image.view(i * TILE_PX, j * TILE_PX, TILE_PX, TILE_PX).tostring(image_format)
                sizes.append(len(png))
                x, y = job['x0'] + i, job['y0'] + j
                if (x, y) in keep:
                    with open(os.path.join(job['out'], f"{job['z']}-{x}-{y}.png"), 'wb') as f:
                        f.write(png)
        print(json.dumps({'ms': (time.perf_counter() - start) * 1000, 'bytes': sizes}), flush=True)


if __name__ == '__main__':
    main()
