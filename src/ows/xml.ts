/** Escapes text and attribute values for XML. */
export function escapeXml(value: string | number): string {
  return String(value).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** `<name attrs>children</name>`, children already serialised; empty when children is null. */
export function element(name: string, attributes: Record<string, string | number | undefined>, ...children: (string | null | undefined)[]): string {
  const attrs = Object.entries(attributes)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(v!)}"`)
    .join('');
  const body = children.filter((c): c is string => typeof c === 'string').join('');
  return body ? `<${name}${attrs}>${body}</${name}>` : `<${name}${attrs}/>`;
}

/** `<name>escaped text</name>`. */
export function textElement(name: string, text: string | number): string {
  return `<${name}>${escapeXml(text)}</${name}>`;
}
