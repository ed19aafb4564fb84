// The Södertörn map viewer: the engine's styles as vector maps (MapLibre GL JS) and as
// raster tiles drawn by the engine, side by side if wanted, so a GIS officer can check
// that both agree. Everything comes from this server; it works offline on loopback.
// Data from the server (names, attributes, attribution, errors) goes into the page as text,
// never as HTML: the page's Content-Security-Policy is the second line, not the first.
/* global maplibregl */
(async () => {
  const status = document.getElementById('status');
  // Opened as /k/{key}/, the viewer asks for everything with the key: restricted styles and tilesets show.
  const base = location.origin + (/^\/k\/[^/]+/.exec(location.pathname)?.[0] ?? '');
  const [styles, config] = await Promise.all([fetchJson(`${base}/styles`), fetchJson(`${base}/viewer/config.json`)]);
  const params = new URLSearchParams(location.hash.slice(1));
  let styleId = styles.some((s) => s.id === params.get('style')) ? params.get('style') : config.defaultStyle;

  const select = document.getElementById('style');
  for (const s of styles) select.append(new Option(s.name, s.id, false, s.id === styleId));

  const view = { center: config.center, zoom: config.zoom };
  // MapLibre's own attribution control renders a source's attribution as HTML: ours shows text and plain links.
  const vectorMap = new maplibregl.Map({ container: 'map', style: styleUrl(styleId), ...view, hash: 'karta', attributionControl: false });
  vectorMap.addControl(new TextAttribution());
  vectorMap.addControl(new maplibregl.NavigationControl());
  vectorMap.addControl(new maplibregl.ScaleControl({ unit: 'metric' }));
  let rasterMap;

  const rasterStyle = (id) => ({
    version: 8,
    sources: {
      raster: {
        type: 'raster',
        tiles: [`${base}/tiles/${encodeURIComponent(id)}/{z}/{x}/{y}${devicePixelRatio > 1 ? '@2x' : ''}.png`],
        tileSize: 256,
        maxzoom: config.maxzoom,
        attribution: config.attribution,
      },
    },
    layers: [{ id: 'raster', type: 'raster', source: 'raster' }],
  });

  function ensureRasterMap() {
    if (rasterMap) return rasterMap;
    rasterMap = new maplibregl.Map({ container: 'raster-map', style: rasterStyle(styleId), center: vectorMap.getCenter(), zoom: vectorMap.getZoom(), attributionControl: false });
    rasterMap.addControl(new TextAttribution());
    rasterMap.addControl(new maplibregl.NavigationControl());
    rasterMap.showTileBoundaries = document.getElementById('boundaries').checked;
    syncMoves(vectorMap, rasterMap);
    return rasterMap;
  }

  function setMode(mode) {
    document.getElementById('map').hidden = mode === 'raster';
    document.getElementById('raster-map').hidden = mode === 'vector';
    if (mode !== 'vector') ensureRasterMap();
    vectorMap.resize();
    rasterMap?.resize();
  }

  select.addEventListener('change', () => {
    styleId = select.value;
    vectorMap.setStyle(styleUrl(styleId));
    rasterMap?.setStyle(rasterStyle(styleId));
  });
  for (const radio of document.querySelectorAll('input[name=mode]')) radio.addEventListener('change', () => setMode(radio.value));
  document.getElementById('boundaries').addEventListener('change', (e) => {
    vectorMap.showTileBoundaries = e.target.checked;
    if (rasterMap) rasterMap.showTileBoundaries = e.target.checked;
  });

  const list = document.getElementById('municipalities');
  for (const m of config.municipalities) {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.kommunkod = m.kommunkod;
    button.append(m.namn, element('span', 'code', m.kommunkod));
    button.addEventListener('click', () => vectorMap.fitBounds(m.bounds, { padding: 24, duration: 600 }));
    list.append(button);
  }

  // Click: the features under the pointer, by layer, with their attributes (what a GIS officer checks first).
  vectorMap.on('click', (e) => {
    const seen = new Set();
    const inspect = element('div', 'inspect');
    for (const f of vectorMap.queryRenderedFeatures(e.point)) {
      const key = `${f.sourceLayer}/${f.id ?? JSON.stringify(f.properties)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const table = document.createElement('table');
      for (const [k, v] of Object.entries(f.properties)) {
        const row = table.insertRow();
        row.insertCell().textContent = k;
        row.insertCell().textContent = String(v);
      }
      inspect.append(element('h3', undefined, `${f.sourceLayer ?? f.layer.id}${f.id === undefined ? '' : ` #${f.id}`}`), table);
    }
    if (!inspect.hasChildNodes()) return;
    new maplibregl.Popup({ maxWidth: '320px' }).setLngLat(e.lngLat).setDOMContent(inspect).addTo(vectorMap);
  });

  // The pointer in WGS84 and in SWEREF 99 TM, the coordinates Swedish GIS users work in.
  proj4.defs('EPSG:3006', config.sweref99tm);
  const cursor = document.getElementById('cursor');
  vectorMap.on('mousemove', (e) => {
    const [x, y] = proj4('EPSG:4326', 'EPSG:3006', [e.lngLat.lng, e.lngLat.lat]);
    cursor.textContent = `SWEREF 99 TM: N ${Math.round(y)}, E ${Math.round(x)}\nWGS 84: ${e.lngLat.lat.toFixed(5)} N, ${e.lngLat.lng.toFixed(5)} E`;
  });

  const report = () => {
    const c = vectorMap.getCenter();
    status.textContent = `Zoom ${vectorMap.getZoom().toFixed(2)}\n${c.lat.toFixed(5)} N, ${c.lng.toFixed(5)} E`;
  };
  vectorMap.on('moveend', report);
  vectorMap.on('load', report);
  vectorMap.on('error', (e) => console.error('map error:', e.error?.message ?? e));
  window.viewer = { vectorMap, get rasterMap() { return rasterMap; }, setMode };

  function styleUrl(id) {
    return `${base}/styles/${encodeURIComponent(id)}/style.json`;
  }
})().catch((error) => {
  document.getElementById('status').textContent = `Kartan kunde inte laddas: ${error.message}`;
  console.error(error);
});

/** A new element with a class and text (as text: never parsed as HTML). */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Markup in attribution dropped with its content: comments, and elements whose content is not text. */
const ATTRIBUTION_TOKENS = /<!--[\s\S]*?(?:-->|$)|<(script|style|template|noscript|textarea|title|iframe|object|svg|math)\b[\s\S]*?(?:<\/\1\s*>|$)|<(\/?)([a-zA-Z][\w-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/gi;

/**
 * A source's attribution as safe nodes. TileJSON attribution may hold HTML (a copyright
 * link), but it never reaches a parser here: it is read as text, with its <a href> links
 * to http(s) pages rebuilt as links; every other tag, attribute, handler and javascript:
 * URL is dropped. (DOMParser would be inert too, but Chrome reports the inline handlers it
 * meets to the page's CSP as violations.)
 */
function attributionNodes(html) {
  const source = String(html);
  const nodes = [];
  let link; // the open <a> with a web address, while its text comes
  const addText = (raw) => {
    const text = decodeEntities(raw);
    if (!text) return;
    if (link) link.textContent += text;
    else nodes.push(text);
  };
  let at = 0;
  for (const m of source.matchAll(ATTRIBUTION_TOKENS)) {
    addText(source.slice(at, m.index));
    at = m.index + m[0].length;
    if (m[3]?.toLowerCase() !== 'a') continue;
    link = undefined;
    if (m[2] === '/') continue;
    const href = /(?:^|\s)href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i.exec(m[4]);
    const url = href ? webLink(decodeEntities(href[1] ?? href[2] ?? href[3])) : undefined;
    if (!url) continue;
    link = element('a');
    link.href = url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    nodes.push(link);
  }
  addText(source.slice(at));
  return nodes;
}

/** Named character references seen in attribution; others stay as written. */
const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™', ndash: '–', mdash: '—', middot: '·', hellip: '…' };

/** Text with its character references (&copy; &#169; &#xA9;) decoded. */
function decodeEntities(text) {
  return text.replace(/&(?:#(\d{1,7})|#x([\da-f]{1,6})|([a-z]+));/gi, (whole, dec, hex, name) => {
    if (name) return Object.hasOwn(ENTITIES, name) ? ENTITIES[name] : whole;
    const code = dec ? Number(dec) : parseInt(hex, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** The absolute URL of an http(s) link, else undefined (javascript:, data: and the like). */
function webLink(href) {
  if (href === null) return undefined;
  try {
    const url = new URL(href, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The attribution of the map's sources, shown as text and plain links (MapLibre's own control sets it as HTML). */
class TextAttribution {
  onAdd(map) {
    this.map = map;
    this.container = element('div', 'maplibregl-ctrl maplibregl-ctrl-attrib');
    this.inner = element('div', 'maplibregl-ctrl-attrib-inner');
    this.container.append(this.inner);
    this.shown = undefined;
    this.update = () => {
      const texts = [];
      for (const id of Object.keys(map.getStyle()?.sources ?? {})) {
        const text = map.getSource(id)?.attribution;
        if (typeof text === 'string' && text && !texts.includes(text)) texts.push(text);
      }
      const key = JSON.stringify(texts);
      if (key === this.shown) return;
      this.shown = key;
      this.inner.replaceChildren(...texts.flatMap((text, i) => (i === 0 ? attributionNodes(text) : [' | ', ...attributionNodes(text)])));
      this.container.hidden = texts.length === 0;
    };
    // Attribution arrives with a source's metadata (its TileJSON), not with each tile.
    this.onSourceData = (e) => e.sourceDataType === 'metadata' && this.update();
    map.on('styledata', this.update);
    map.on('sourcedata', this.onSourceData);
    return this.container;
  }

  onRemove() {
    this.map.off('styledata', this.update);
    this.map.off('sourcedata', this.onSourceData);
    this.container.remove();
  }

  getDefaultPosition() {
    return 'bottom-right';
  }
}

async function fetchJson(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

/** Moves each map with the other, without echoing. */
function syncMoves(a, b) {
  let moving = false;
  const follow = (from, to) => () => {
    if (moving) return;
    moving = true;
    to.jumpTo({ center: from.getCenter(), zoom: from.getZoom(), bearing: from.getBearing(), pitch: from.getPitch() });
    moving = false;
  };
  a.on('move', follow(a, b));
  b.on('move', follow(b, a));
}
