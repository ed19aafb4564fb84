// The Södertörn map viewer: the engine's styles as vector maps (MapLibre GL JS) and as
// raster tiles drawn by the engine, side by side if wanted, so a GIS officer can check
// that both agree. Everything comes from this server; it works offline on loopback.
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
  const vectorMap = new maplibregl.Map({ container: 'map', style: styleUrl(styleId), ...view, hash: 'karta' });
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
    rasterMap = new maplibregl.Map({ container: 'raster-map', style: rasterStyle(styleId), center: vectorMap.getCenter(), zoom: vectorMap.getZoom() });
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
    button.innerHTML = `${m.namn}<span class="code">${m.kommunkod}</span>`;
    button.addEventListener('click', () => vectorMap.fitBounds(m.bounds, { padding: 24, duration: 600 }));
    list.append(button);
  }

  // Click: the features under the pointer, by layer, with their attributes (what a GIS officer checks first).
  vectorMap.on('click', (e) => {
    const seen = new Set();
    const rows = [];
    for (const f of vectorMap.queryRenderedFeatures(e.point)) {
      const key = `${f.sourceLayer}/${f.id ?? JSON.stringify(f.properties)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const cells = Object.entries(f.properties).map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(String(v))}</td></tr>`).join('');
      rows.push(`<h3>${escapeHtml(f.sourceLayer ?? f.layer.id)}${f.id === undefined ? '' : ` #${f.id}`}</h3><table>${cells}</table>`);
    }
    if (rows.length === 0) return;
    new maplibregl.Popup({ maxWidth: '320px' }).setLngLat(e.lngLat).setHTML(`<div class="inspect">${rows.join('')}</div>`).addTo(vectorMap);
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

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
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
