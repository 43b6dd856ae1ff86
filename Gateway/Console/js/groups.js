// Groups: the project's elastigroups through the SpotInst-style face (X-Auth-Token), with their members.
import { api, session } from './api.js';
import { h, table, money, pick, showError } from './ui.js';

export function mount(main, ctx) {
  const account = h('input', { id: 'groups-account', value: session.project, testid: 'groups-account' });
  const list = h('div', { testid: 'group-list' });
  const refresh = async () => {
    const a = account.value.trim();
    if (!a) return;
    const answer = await api(`/v1/spot/${encodeURIComponent(a)}/elastigroups`, { signal: ctx.signal });
    const items = answer.response?.items ?? [];
    list.replaceChildren(...(items.length === 0 ? [h('p', { class: 'muted' }, `No elastigroup in ${a}.`)] : items.map(group)));
  };
  const form = h('form', { class: 'grid', 'aria-label': 'Account', novalidate: true },
    h('label', { for: account.id }, 'Account (project)', account), h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (e) => { e.preventDefault(); refresh().catch(showError); });
  main.append(h('section', {}, h('h2', {}, 'Elastigroups'), form, list));
  ctx.poll(refresh, 2000);
}

function group(g) {
  const c = g.capacity ?? {};
  return h('section', { testid: 'group', 'data-id': g.id },
    h('h3', {}, `${g.name} `, h('span', { class: 'muted' }, g.id), ' ', h('span', { class: 'status' }, g.status)),
    h('p', { class: 'muted' }, `target ${c.target} (min ${c.minimum}, max ${c.maximum}) · region ${g.region ?? 'any'}`),
    table([
      { title: 'Member', value: m => m.id },
      { title: 'Market', value: m => m.market },
      { title: 'Type', value: m => m.type ?? '—' },
      { title: 'Zone', value: m => m.zone ?? '—' },
      { title: 'Provider', value: m => m.provider ?? '—' },
      { title: 'Price/h', num: true, value: m => money(m.price) },
      { title: 'State', value: m => [m.state, m.draining ? ' (draining)' : '', m.fallback ? ' (on-demand fallback)' : ''] },
      { title: 'Reason', value: m => pick(m, 'statusReason', 'status_reason') ?? '' },
    ], g.members ?? [], m => ({ 'data-testid': 'group-member', 'data-state': m.state })));
}
