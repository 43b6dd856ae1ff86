// Workloads: the list with a status filter and the create form (with a live estimate beside it); the detail view
// with its placements on a timeline, its events, and terminate / interrupt.
import { api, query, session } from './api.js';
import { h, table, money, time, debounce, showError, clearError } from './ui.js';
import { requirementFields, offersView } from './estimate.js';

const STATUSES = ['PENDING', 'PROVISIONING', 'RUNNING', 'STOPPING', 'TERMINATED', 'FAILED'];
const SIMULATION_KEY = 'arbitrage.console.simulation';

export function mount(main, ctx) {
  if (ctx.params[0]) detail(main, ctx, ctx.params[0]); else list(main, ctx);
}

function list(main, ctx) {
  const status = h('select', { id: 'workload-status-filter', testid: 'workload-status-filter' },
    h('option', { value: '' }, 'Any status'), STATUSES.map(s => h('option', { value: s }, s)));
  const rows = h('div', { testid: 'workload-list' });
  const refresh = async () => {
    const answer = await api(`/v1/workloads${query({ status: status.value, limit: 100 })}`, { signal: ctx.signal });
    rows.replaceChildren(table([
      { title: 'Workload', value: w => h('a', { href: `#/workloads/${encodeURIComponent(w.id)}` }, w.name, ' ', h('span', { class: 'muted' }, w.id)) },
      { title: 'Status', value: w => h('span', { class: `status status-${w.status}` }, w.status) },
      { title: 'Reason', value: w => w.statusReason ?? '' },
      { title: 'Created', value: w => time(w.createdAt) },
    ], answer.workloads, w => ({ 'data-testid': 'workload-row', 'data-id': w.id, 'data-status': w.status })));
  };
  status.addEventListener('change', () => refresh().catch(showError));

  main.append(
    h('section', {}, h('h2', {}, 'New workload'), createForm(ctx)),
    h('section', {}, h('h2', {}, 'Workloads'),
      h('form', { class: 'grid', 'aria-label': 'Filter', onsubmit: e => e.preventDefault() }, h('label', { for: status.id }, 'Status', status)),
      rows));
  ctx.poll(refresh, 2000);
}

function createForm(ctx) {
  const text = (name, label, value, attrs = {}) => {
    const el = h('input', { id: `create-${name}`, name, value, testid: `create-${name}`, ...attrs });
    return [el, h('label', { for: el.id }, label, el)];
  };
  const [name, nameLabel] = text('name', 'Name', `web-${Math.random().toString(36).slice(2, 7)}`);
  const [image, imageLabel] = text('imageId', 'Image', 'ami-0123456789abcdef0');
  const [path, pathLabel] = text('healthCheckPath', 'Health check path', '/health');
  const [port, portLabel] = text('healthCheckPort', 'Health check port', '8080', { type: 'number', min: 1, max: 65535 });
  const [project, projectLabel] = text('project', 'Project (wallet charged; empty: the tenant\'s default)', '', { placeholder: 'default wallet' });
  const fields = requirementFields('create');
  const estimate = h('div', { 'aria-live': 'polite', testid: 'create-estimate', 'data-state': 'idle' }, h('p', { class: 'muted' }, 'The estimate follows the requirements as you type.'));
  const submit = h('button', { type: 'submit', testid: 'create-submit' }, 'Create workload');
  const form = h('form', { class: 'grid', 'aria-label': 'New workload', novalidate: true },
    nameLabel, fields.labels, imageLabel, pathLabel, portLabel, projectLabel, submit);

  const live = async () => {
    estimate.dataset.state = 'loading';
    try {
      const answer = await api('/v1/pricing/estimate?alternatives=3', { method: 'POST', body: fields.read(), signal: ctx.signal });
      estimate.replaceChildren(h('h3', {}, 'Estimate'), offersView(answer, 'estimate'));
      estimate.dataset.state = answer.recommended ? 'ready' : 'none';
    } catch (e) {
      if (e.name === 'AbortError') return;
      // The estimate's own refusal (e.g. an invalid requirement) shows beside the form, as the API states it.
      estimate.replaceChildren(h('h3', {}, 'Estimate'), h('p', { class: 'inline-error', testid: 'estimate-error' }, h('code', {}, e.code), ' ', e.message));
      estimate.dataset.state = 'error';
    }
  };
  form.addEventListener('input', debounce(live, 300));
  live();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearError();
    submit.disabled = true;
    const body = {
      name: name.value.trim(),
      requirements: fields.read(),
      config: { imageId: image.value.trim(), healthCheckPath: path.value.trim() || '/health', healthCheckPort: port.value.trim() === '' ? undefined : Number(port.value) },
    };
    if (project.value.trim()) body.metadata = { project_id: project.value.trim() };
    try {
      const created = await api('/v1/workloads', { method: 'POST', body, signal: ctx.signal });
      ctx.navigate(`#/workloads/${encodeURIComponent(created.id)}`);
    } catch (e) {
      showError(e);
    } finally {
      submit.disabled = false;
    }
  });
  return h('div', { class: 'split' }, form, estimate);
}

function detail(main, ctx, id) {
  const facts = h('dl', { class: 'facts', testid: 'workload-facts' });
  const title = h('h2', {}, id);
  const terminate = h('button', { type: 'button', class: 'danger', testid: 'terminate' }, 'Terminate');
  const interrupt = h('button', { type: 'button', class: 'secondary', testid: 'interrupt', hidden: sessionStorage.getItem(SIMULATION_KEY) === 'off' },
    'Interrupt (simulated cloud)');
  const timeline = h('div', { testid: 'placements-timeline' });
  const placements = h('div', {});
  const events = h('div', {});
  let workload = null;

  const refresh = async () => {
    const [w, p, e] = await Promise.all([
      api(`/v1/workloads/${encodeURIComponent(id)}`, { signal: ctx.signal }),
      api(`/v1/workloads/${encodeURIComponent(id)}/placements?limit=200`, { signal: ctx.signal }),
      api(`/v1/workloads/${encodeURIComponent(id)}/events?limit=200`, { signal: ctx.signal }),
    ]);
    workload = w;
    title.textContent = `${w.name} (${w.id})`;
    const place = w.placement;
    facts.replaceChildren(
      h('dt', {}, 'Status'), h('dd', {}, h('span', { class: `status status-${w.status}`, testid: 'workload-status' }, w.status), w.statusReason ? ` — ${w.statusReason}` : ''),
      h('dt', {}, 'Running on'), h('dd', { testid: 'workload-placement' }, place ? `${place.provider} ${place.zone} ${place.instanceType} (${place.market}) at ${money(place.pricePerHour)}/h` : '—'),
      h('dt', {}, 'Endpoint'), h('dd', {}, w.endpoint ?? '—'),
      h('dt', {}, 'Cost to date'), h('dd', { testid: 'workload-cost' }, money(w.costToDate, 6)),
      h('dt', {}, 'Project'), h('dd', {}, w.projectId ?? '—'),
      h('dt', {}, 'Created'), h('dd', {}, time(w.createdAt)));
    const ended = w.status === 'TERMINATED' || w.status === 'FAILED';
    terminate.disabled = ended || w.status === 'STOPPING';
    interrupt.disabled = !place || place.market !== 'spot' || ended;
    timeline.replaceChildren(placementTimeline(p.placements, w));
    placements.replaceChildren(table([
      { title: 'Provider', value: x => x.provider },
      { title: 'Zone', value: x => x.zone },
      { title: 'Type', value: x => x.instanceType },
      { title: 'Market', value: x => x.market },
      { title: 'Price/h', num: true, value: x => money(x.pricePerHour) },
      { title: 'From', value: x => time(x.start) },
      { title: 'To', value: x => (x.end ? time(x.end) : 'now') },
      { title: 'Ended because', value: x => x.endReason ?? '' },
      { title: 'Why here', value: x => x.reason ?? '' },
    ], p.placements, x => ({ 'data-testid': 'placement-row', 'data-instance-id': x.instanceId ?? '', 'data-end-reason': x.endReason ?? '' })));
    events.replaceChildren(table([
      { title: 'At', value: x => time(x.at) },
      { title: 'Event', value: x => x.type },
      { title: 'From', value: x => x.from ?? '' },
      { title: 'To', value: x => x.to ?? '' },
      { title: 'Reason', value: x => x.reason ?? '' },
    ], [...e.events].reverse(), x => ({ 'data-testid': 'event-row', 'data-type': x.type })));
  };

  terminate.addEventListener('click', async () => {
    if (!workload) return;
    terminate.disabled = true;
    try { await api(`/v1/workloads/${encodeURIComponent(id)}`, { method: 'DELETE', signal: ctx.signal }); await refresh(); } catch (e) { showError(e); }
  });
  interrupt.addEventListener('click', async () => {
    interrupt.disabled = true;
    try {
      await api(`/v1/simulation/workloads/${encodeURIComponent(id)}/interrupt`, { method: 'POST', signal: ctx.signal });
      await refresh();
    } catch (e) {
      showError(e);
      // The route is not there, or this token may not use it: stop offering it in this session.
      if (e.status === 403 || (e.status === 404 && e.code !== 'WORKLOAD_NOT_FOUND')) { sessionStorage.setItem(SIMULATION_KEY, 'off'); interrupt.hidden = true; }
    }
  });

  main.append(
    h('p', {}, h('a', { href: '#/workloads' }, '← All workloads')),
    h('section', { testid: 'workload-detail' }, title, facts, h('div', { class: 'actions' }, terminate, interrupt)),
    h('section', {}, h('h2', {}, 'Placements'), timeline, placements),
    h('section', {}, h('h2', {}, 'Events'), events));
  ctx.poll(refresh, 2000);
}

/** The placements as bars on one time axis (SVG): where the workload ran, for how long, and why each ended. */
function placementTimeline(placements, workload) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = (tag, attrs, text) => {
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    return el;
  };
  const now = workload.terminatedAt ? Date.parse(workload.terminatedAt) : Date.now();
  const spans = placements.map(p => ({ p, start: Date.parse(p.start), end: p.end ? Date.parse(p.end) : now }));
  const rowHeight = 26, width = 1000, labelWidth = 0;
  const root = svg('svg', { class: 'timeline', viewBox: `0 0 ${width} ${Math.max(1, spans.length) * rowHeight + 24}`, role: 'img',
    'aria-label': `Placements timeline: ${spans.length} placement${spans.length === 1 ? '' : 's'}`, 'data-testid': 'timeline-svg', 'data-placements': spans.length });
  if (spans.length === 0) { root.append(svg('text', { x: 8, y: 18, fill: '#5b6672' }, 'No placement yet.')); return root; }
  const t0 = Math.min(...spans.map(s => s.start));
  const t1 = Math.max(now, ...spans.map(s => s.end), t0 + 1000);
  const x = t => labelWidth + ((t - t0) / (t1 - t0)) * (width - labelWidth - 4);
  spans.forEach(({ p, start, end }, i) => {
    const y = i * rowHeight + 4;
    const colour = p.market === 'spot' ? '#0b5cad' : '#e9a03b';
    const g = svg('g', { 'data-testid': 'timeline-bar', 'data-instance-id': p.instanceId ?? '', 'data-end-reason': p.endReason ?? '' });
    g.append(svg('title', {}, `${p.provider} ${p.zone} ${p.instanceType} (${p.market}) ${new Date(start).toLocaleString()} – ${p.end ? new Date(end).toLocaleString() : 'now'}${p.endReason ? `; ended: ${p.endReason}` : ''}`));
    g.append(svg('rect', { x: x(start), y, width: Math.max(3, x(end) - x(start)), height: rowHeight - 8, rx: 3, fill: colour, 'fill-opacity': p.end ? 0.45 : 0.9 }));
    g.append(svg('text', { x: Math.min(x(start) + 4, width - 300), y: y + rowHeight - 13, 'font-size': 12, fill: '#1d232a' },
      `${p.provider} ${p.zone} ${p.instanceType} ${p.market}${p.endReason ? ` — ${p.endReason}` : ''}`));
    root.append(g);
  });
  const axisY = spans.length * rowHeight + 18;
  root.append(svg('text', { x: 2, y: axisY, 'font-size': 11, fill: '#5b6672' }, new Date(t0).toLocaleTimeString()));
  root.append(svg('text', { x: width - 2, y: axisY, 'font-size': 11, fill: '#5b6672', 'text-anchor': 'end' }, new Date(t1).toLocaleTimeString()));
  return root;
}
