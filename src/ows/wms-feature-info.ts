/**
 * GetFeatureInfo answers in the formats desktop GIS clients show: GeoJSON (attributes and
 * the geometry in the request's CRS, x/y order, so QGIS outlines the hit), plain text as
 * MapServer writes it, and an HTML table. Pure.
 */
import type { FoundFeature } from '../pipeline/feature-info.ts';
import type { InfoFormat } from './wms.ts';
import { escapeXml } from './xml.ts';

export function featureInfoBody(features: readonly FoundFeature[], format: InfoFormat, layer: string): string {
  if (format === 'application/json') {
    return JSON.stringify({
      type: 'FeatureCollection',
      features: features.map((f) => ({ type: 'Feature', ...(f.id === undefined ? {} : { id: f.id }), geometry: f.geometry, properties: { layer: f.layer, ...f.properties } })),
    });
  }
  if (format === 'text/plain') {
    if (features.length === 0) return `GetFeatureInfo results: no features at this point of layer '${layer}'\n`;
    return `GetFeatureInfo results:\n\n${features
      .map((f) => [`Layer '${f.layer}'`, `  Feature ${f.id ?? ''}:`, ...Object.entries(f.properties).map(([k, v]) => `    ${k} = '${String(v)}'`)].join('\n'))
      .join('\n\n')}\n`;
  }
  const tables = features.map((f) => {
    const rows = Object.entries(f.properties).map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(String(v))}</td></tr>`);
    return `<table><caption>${escapeXml(f.layer)}${f.id === undefined ? '' : ` ${f.id}`}</caption>${rows.join('')}</table>`;
  });
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeXml(layer)}</title></head><body>${tables.join('') || '<p>No features here.</p>'}</body></html>`;
}
