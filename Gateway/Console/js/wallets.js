// Wallets: a project's balance, reserved and available credit, its reservations and its transactions (both newest first).
import { api, query, session } from './api.js';
import { h, table, money, time, showError } from './ui.js';

const SHOWN = 100;
const RESERVATIONS_SHOWN = 50;
const RESERVATION_STATUSES = ['active', 'committed', 'released', 'expired'];

export function mount(main, ctx) {
  const project = h('input', { id: 'wallet-project', value: ctx.params[0] ?? session.project, testid: 'wallet-project' });
  const cards = h('div', { class: 'cards', testid: 'wallet-cards' });
  const transactions = h('div', { testid: 'wallet-transactions' });
  const reservations = h('div', { testid: 'wallet-reservations' });
  const reservationStatus = h('select', { id: 'reservation-status-filter', testid: 'reservation-status-filter' },
    h('option', { value: '' }, 'Any status'), RESERVATION_STATUSES.map(s => h('option', { value: s }, s)));
  const lookup = h('input', { id: 'reservation-id', placeholder: 'rsv-…', testid: 'reservation-id' });
  const found = h('div', { 'aria-live': 'polite' });

  // Transactions come oldest first, paged by cursor: keep what was read and ask only for what came after it.
  let seen = [], cursor = null, forProject = null;
  const refresh = async () => {
    const p = project.value.trim();
    if (!p) return;
    if (p !== forProject) { seen = []; cursor = null; forProject = p; }
    const wallet = (await api(`/api/v1/wallets/${encodeURIComponent(p)}`, { signal: ctx.signal })).data;
    const held = (await api(`/api/v1/wallets/${encodeURIComponent(p)}/reservations${query({ status: reservationStatus.value, limit: RESERVATIONS_SHOWN })}`,
      { signal: ctx.signal })).data;
    for (let pages = 0; pages < 20; pages++) {
      const page = (await api(`/api/v1/wallets/${encodeURIComponent(p)}/transactions${query({ limit: 200, cursor })}`, { signal: ctx.signal })).data;
      const known = new Set(seen.map(t => t.id));
      seen.push(...page.transactions.filter(t => !known.has(t.id)));
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    if (seen.length > 1000) seen = seen.slice(-1000);
    cards.replaceChildren(
      card('Balance', money(wallet.balance, 6), 'wallet-balance'),
      card('Reserved', money(wallet.reserved, 6), 'wallet-reserved'),
      card('Available', money(wallet.available, 6), 'wallet-available'),
      card('Status', wallet.status, 'wallet-status'));
    const newest = [...seen].reverse().slice(0, SHOWN);
    transactions.replaceChildren(table([
      { title: 'When', value: t => time(t.timestamp) },
      { title: 'Type', value: t => t.type },
      { title: 'Amount', num: true, value: t => money(t.amount, 6) },
      { title: 'Balance after', num: true, value: t => money(t.balance_after, 6) },
      { title: 'Resource', value: t => t.resource_id ?? '' },
      { title: 'Description', value: t => t.description ?? '' },
    ], newest, t => ({ 'data-testid': 'transaction-row', 'data-type': t.type, 'data-resource-id': t.resource_id ?? '', 'data-amount': String(t.amount) })));
    // The wallet's reservations, newest first (every active one and the most recently ended); a click shows one in full.
    reservations.replaceChildren(...[table([
      { title: 'Id', value: r => h('button', { type: 'button', class: 'secondary', onclick: () => { lookup.value = r.id; show(); } }, r.id) },
      { title: 'Status', value: r => h('span', { class: `status status-${r.status}` }, r.status) },
      { title: 'Amount', num: true, value: r => money(r.amount, 6) },
      { title: 'Charged', num: true, value: r => r.committed_amount == null ? '' : money(r.committed_amount, 6) },
      { title: 'Created', value: r => time(r.created_at) },
      { title: 'Expires', value: r => time(r.expires_at) },
      { title: 'Closed', value: r => r.closed_at ? time(r.closed_at) : '' },
      { title: 'Resource', value: r => r.resource_id ?? '' },
      { title: 'Description', value: r => r.description ?? r.close_reason ?? '' },
    ], held.reservations, r => ({ 'data-testid': 'reservation-row', 'data-id': r.id, 'data-status': r.status, 'data-resource-id': r.resource_id ?? '' })),
    held.next_cursor ? h('p', { class: 'muted' }, `The newest ${RESERVATIONS_SHOWN}; look an older one up by id.`) : null].filter(Boolean));
  };

  const show = async () => {
    try {
      const r = (await api(`/api/v1/reservations/${encodeURIComponent(lookup.value.trim())}`, { signal: ctx.signal })).data;
      found.replaceChildren(h('dl', { class: 'facts', testid: 'reservation' }, Object.entries(r).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v === null ? '—' : String(v))])));
    } catch (e) { showError(e); }
  };

  const form = h('form', { class: 'grid', 'aria-label': 'Wallet', novalidate: true },
    h('label', { for: project.id }, 'Project', project), h('button', { type: 'submit', testid: 'wallet-show' }, 'Show'));
  form.addEventListener('submit', (e) => { e.preventDefault(); session.setProject(project.value.trim()); refresh().catch(showError); });
  reservationStatus.addEventListener('change', () => refresh().catch(showError));
  const filter = h('form', { class: 'grid', 'aria-label': 'Reservation filter', onsubmit: e => e.preventDefault() },
    h('label', { for: reservationStatus.id }, 'Status', reservationStatus));
  const lookupForm = h('form', { class: 'grid', 'aria-label': 'Reservation', novalidate: true },
    h('label', { for: lookup.id }, 'Reservation id', lookup), h('button', { type: 'submit' }, 'Look up'));
  lookupForm.addEventListener('submit', (e) => { e.preventDefault(); show(); });

  main.append(
    h('section', {}, h('h2', {}, 'Wallet'), form, cards),
    h('section', {}, h('h2', {}, 'Reservations'), filter, reservations, lookupForm, found),
    h('section', {}, h('h2', {}, `Transactions (newest ${SHOWN})`), transactions));
  ctx.poll(refresh, 2000);
}

const card = (title, value, testid) => h('div', { class: 'card' }, h('div', { class: 'muted' }, title), h('div', { class: 'value', testid }, value));
