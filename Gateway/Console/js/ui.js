// Small DOM helpers shared by the pages: element building (never innerHTML with data), formatting, the error area.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'testid') el.dataset.testid = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const money = (v, digits = 4) => (v === undefined || v === null ? '—' : `${Number(v) < 0 ? '−' : ''}$${Math.abs(Number(v)).toFixed(digits)}`);
export const time = (v) => (v ? new Date(v).toLocaleString() : '—');
export const pct = (v) => (v === undefined || v === null ? '—' : `${(Number(v) * 100).toFixed(1)}%`);
/** Reads a field the API spells in camelCase or snake_case. */
export const pick = (o, ...names) => { for (const n of names) if (o && o[n] !== undefined) return o[n]; return undefined; };

export function table(columns, rows, rowAttrs) {
  return h('table', {},
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { class: c.num ? 'num' : null, scope: 'col' }, c.title)))),
    h('tbody', {}, rows.length === 0
      ? h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, 'Nothing yet.'))
      : rows.map(r => h('tr', rowAttrs ? rowAttrs(r) : {}, columns.map(c => h('td', { class: c.num ? 'num' : null }, c.value(r)))))));
}

const errorArea = () => document.getElementById('error');

/** Shows an API error as the API states it: its code and message (and request id), in the page's alert area. */
export function showError(e) {
  if (e?.name === 'AbortError') return;
  const area = errorArea();
  area.replaceChildren(
    h('code', { testid: 'error-code' }, e?.code ?? 'ERROR'),
    h('span', { testid: 'error-message' }, e?.message ?? String(e)),
    e?.details?.field ? h('span', { class: 'muted', testid: 'error-field' }, `field: ${e.details.field}`) : null,
    e?.requestId ? h('span', { class: 'muted' }, `request ${e.requestId}`) : null,
    h('button', { type: 'button', onclick: clearError, 'aria-label': 'Dismiss the error' }, '×'));
  area.hidden = false;
}

export function clearError() {
  const area = errorArea();
  area.hidden = true;
  area.replaceChildren();
}

/** Calls fn after the input has been quiet for ms. */
export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}
