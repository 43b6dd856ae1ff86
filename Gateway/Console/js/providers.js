// Providers: each configured provider's health (from its last probe) and call statistics.
import { api } from './api.js';
import { h, table, time } from './ui.js';

export function mount(main, ctx) {
  const list = h('div', { testid: 'provider-list' });
  const refresh = async () => {
    const answer = await api('/api/v1/providers', { signal: ctx.signal });
    const details = await Promise.all(answer.providers.map(p => api(`/api/v1/providers/${encodeURIComponent(p.name)}`, { signal: ctx.signal })));
    list.replaceChildren(
      h('p', { class: 'muted' }, `${answer.enabled} of ${answer.total} providers enabled.`),
      table([
        { title: 'Provider', value: d => d.name },
        { title: 'Cloud', value: d => d.type },
        { title: 'Health', value: d => h('span', { class: `status status-${d.status}`, testid: 'provider-status' }, d.status, d.status_reason ? ` — ${d.status_reason}` : '') },
        { title: 'Last probe', value: d => time(d.last_probe_at) },
        { title: 'Priority', num: true, value: d => d.priority },
        { title: 'Weight', num: true, value: d => d.weight },
        { title: 'Requests', num: true, value: d => d.statistics?.total_requests ?? 0 },
        { title: 'Failed', num: true, value: d => d.statistics?.failed_requests ?? 0 },
        { title: 'Avg ms', num: true, value: d => Number(d.statistics?.average_response_time_ms ?? 0).toFixed(1) },
      ], details, d => ({ 'data-testid': 'provider-row', 'data-name': d.name, 'data-status': d.status })));
  };
  main.append(h('section', {}, h('h2', {}, 'Providers'), list));
  ctx.poll(refresh, 5000);
}
