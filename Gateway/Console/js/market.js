// Market: spot prices of one instance type in one provider region over time (a line per zone), and the cheapest
// offers for a requirement.
import { api, query } from './api.js';
import { h, debounce, showError, pick } from './ui.js';
import { drawPriceChart, COLOURS } from './chart.js';
import { requirementFields, offersView } from './estimate.js';

const DEFAULTS = { aws: ['us-east-1', 'm5.large'] };
const WEEK_MS = 7 * 24 * 3_600_000;
const PROVIDER_REFRESH_MS = 30_000;

export function mount(main, ctx) {
  const provider = h('select', { id: 'market-provider', testid: 'market-provider' });
  const region = h('input', { id: 'market-region', testid: 'market-region', list: 'market-regions', value: 'us-east-1' });
  const regions = h('datalist', { id: 'market-regions' });
  const type = h('input', { id: 'market-type', testid: 'market-type', list: 'market-types', value: 'm5.large' });
  const types = h('datalist', { id: 'market-types' });
  const canvas = h('canvas', { class: 'chart', testid: 'price-chart', role: 'img', 'aria-label': 'Price chart', 'data-state': 'loading' });
  const legend = h('div', { class: 'legend', testid: 'price-legend' });
  const note = h('p', { class: 'muted', testid: 'price-note' });
  const show = h('button', { type: 'submit', testid: 'market-show' }, 'Show prices');
  const chartForm = h('form', { class: 'grid', 'aria-label': 'Market to chart', novalidate: true },
    h('label', { for: provider.id }, 'Provider', provider),
    h('label', { for: region.id }, 'Region', region), regions,
    h('label', { for: type.id }, 'Instance type', type), types,
    show);

  const fields = requirementFields('offers');
  const offers = h('div', { 'aria-live': 'polite' });
  const offersForm = h('form', { class: 'grid', 'aria-label': 'Requirements', novalidate: true }, fields.labels,
    h('button', { type: 'submit', testid: 'offers-submit' }, 'Find offers'));

  main.append(
    h('section', {}, h('h2', {}, 'Spot prices over time'), chartForm,
      h('div', { class: 'chart-wrap' }, canvas), legend, note),
    h('section', {}, h('h2', {}, 'Cheapest offers for a requirement'), offersForm, offers));

  let history = null;
  let loaded = { key: '', at: 0 };
  // A cloud's own history (source "provider") is asked again at most every 30 s unless the form is submitted, so an
  // open page does not call a real cloud's price API every poll; the feed's history is cheap and follows every poll.
  const loadHistory = async (force = false) => {
    if (!provider.value || !region.value.trim() || !type.value.trim()) return;
    const key = `${provider.value}|${region.value.trim()}|${type.value.trim()}`;
    if (!force && history?.source === 'provider' && loaded.key === key && Date.now() - loaded.at < PROVIDER_REFRESH_MS) return;
    // The last seven days: the cloud's own price history where it has one (source "provider"), else what the silo's
    // price feed saw since it started (source "feed").
    const from = new Date(Date.now() - WEEK_MS).toISOString();
    const answer = await api(`/v1/pricing/history${query({ provider: provider.value, region: region.value.trim(), instanceType: type.value.trim(), from, maxPoints: 5000 })}`, { signal: ctx.signal });
    history = answer;
    loaded = { key, at: Date.now() };
    const series = answer.series.map(s => ({ label: s.zone, points: s.points }));
    drawPriceChart(canvas, series);
    canvas.dataset.source = answer.source ?? '';
    legend.replaceChildren(...answer.series.map((s, i) => {
      const item = h('span', {}, `${s.zone} (${s.sourcePoints} prices)`);
      item.style.setProperty('--c', COLOURS[i % COLOURS.length]); // through the CSSOM: the page's CSP refuses style attributes
      return item;
    }));
    const source = answer.source === 'provider' ? "the cloud's own price history" : "the prices this silo's price feed saw since it started";
    note.textContent = `${answer.provider} ${answer.region} ${answer.instanceType}, last 7 days: ${source}. ${answer.message ?? ''}`;
  };
  // The chart follows the window's width.
  const resize = () => { if (history) drawPriceChart(canvas, history.series.map(s => ({ label: s.zone, points: s.points }))); };
  window.addEventListener('resize', resize, { signal: ctx.signal });

  const fillTypes = async () => {
    try {
      const current = await api(`/v1/pricing/current${query({ provider: provider.value, region: region.value.trim(), limit: 500 })}`, { signal: ctx.signal });
      const names = [...new Set(current.prices.filter(p => p.spotPricePerHour != null).map(p => p.instanceType))].sort();
      types.replaceChildren(...names.map(n => h('option', { value: n })));
    } catch (e) { showError(e); }
  };
  const fillRegions = async () => {
    try {
      const caps = await api(`/api/v1/providers/${encodeURIComponent(provider.value)}/capabilities`, { signal: ctx.signal });
      const names = pick(caps, 'regions') ?? [];
      regions.replaceChildren(...names.map(n => h('option', { value: n })));
      const kind = provider.selectedOptions[0]?.dataset.type;
      if (!names.includes(region.value.trim()) && names.length) region.value = (DEFAULTS[kind] && names.includes(DEFAULTS[kind][0])) ? DEFAULTS[kind][0] : names[0];
    } catch (e) { showError(e); }
  };

  provider.addEventListener('change', async () => { await fillRegions(); await fillTypes(); });
  region.addEventListener('change', fillTypes);
  chartForm.addEventListener('submit', (event) => { event.preventDefault(); loadHistory(true).catch(showError); });

  const estimate = async () => {
    const answer = await api('/v1/pricing/estimate?alternatives=9', { method: 'POST', body: fields.read(), signal: ctx.signal });
    offers.replaceChildren(offersView(answer, 'offers'));
  };
  offersForm.addEventListener('submit', (event) => { event.preventDefault(); estimate().catch(showError); });
  offersForm.addEventListener('input', debounce(() => estimate().catch(showError), 400));

  (async () => {
    try {
      const list = await api('/api/v1/providers', { signal: ctx.signal });
      provider.replaceChildren(...list.providers.map(p => h('option', { value: p.name, 'data-type': p.type }, `${p.name} (${p.type})`)));
      await fillRegions();
      fillTypes();
      estimate().catch(showError);
      ctx.poll(loadHistory, 2000);
    } catch (e) { showError(e); }
  })();
}
