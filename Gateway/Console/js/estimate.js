// Requirements fields shared by the cheapest-offers form and the create-workload form, and the offers table.
import { h, money, pct, table } from './ui.js';

/** The requirement inputs; read() gives the API's WorkloadRequirements (unset fields left out). */
export function requirementFields(prefix, defaults = {}) {
  const input = (name, label, attrs = {}) => {
    const el = h('input', { id: `${prefix}-${name}`, name, testid: `${prefix}-${name}`, ...attrs });
    return { el, label: h('label', { for: el.id }, label, el) };
  };
  const f = {
    minCPU: input('minCPU', 'Min vCPUs', { type: 'number', min: 1, step: 1, value: defaults.minCPU ?? 2 }),
    minMemoryGB: input('minMemoryGB', 'Min memory (GB)', { type: 'number', min: 1, step: 0.5, value: defaults.minMemoryGB ?? 4 }),
    gpuCount: input('gpuCount', 'GPUs', { type: 'number', min: 0, step: 1, value: 0 }),
    gpuType: input('gpuType', 'GPU type (optional)', { placeholder: 'nvidia-t4' }),
    preferredRegions: input('preferredRegions', 'Preferred regions (comma-separated)', { placeholder: 'us-east-1' }),
    maxPricePerHour: input('maxPricePerHour', 'Max price per hour (USD)', { type: 'number', min: 0, step: 0.01 }),
    maxInterruptionRate: input('maxInterruptionRate', 'Max interruption rate (0–1)', { type: 'number', min: 0, max: 1, step: 0.01 }),
  };
  const allowSpot = h('input', { id: `${prefix}-allowSpot`, type: 'checkbox', checked: true, testid: `${prefix}-allowSpot` });
  const allowOnDemand = h('input', { id: `${prefix}-allowOnDemand`, type: 'checkbox', checked: true, testid: `${prefix}-allowOnDemand` });
  const number = (el) => (el.value.trim() === '' ? undefined : Number(el.value));
  return {
    labels: [...Object.values(f).map(x => x.label),
      h('label', { class: 'check', for: allowSpot.id }, allowSpot, 'Spot'),
      h('label', { class: 'check', for: allowOnDemand.id }, allowOnDemand, 'On-demand')],
    read() {
      const r = { minCPU: number(f.minCPU.el), minMemoryGB: number(f.minMemoryGB.el) };
      const gpus = number(f.gpuCount.el);
      if (gpus) r.gpuCount = gpus;
      if (f.gpuType.el.value.trim()) r.gpuType = f.gpuType.el.value.trim();
      const regions = f.preferredRegions.el.value.split(',').map(s => s.trim()).filter(Boolean);
      if (regions.length) r.preferredRegions = regions;
      if (number(f.maxPricePerHour.el) !== undefined) r.maxPricePerHour = number(f.maxPricePerHour.el);
      if (number(f.maxInterruptionRate.el) !== undefined) r.maxInterruptionRate = number(f.maxInterruptionRate.el);
      if (!allowSpot.checked) r.allowSpot = false;
      if (!allowOnDemand.checked) r.allowOnDemand = false;
      return r;
    },
  };
}

/** The recommended offer and the alternatives of POST /v1/pricing/estimate, or why nothing fits. */
export function offersView(estimate, testid) {
  const offers = [estimate.recommended, ...(estimate.alternatives ?? [])].filter(Boolean);
  const summary = estimate.recommended
    ? h('p', { testid: `${testid}-recommended` }, 'Recommended: ',
        h('strong', {}, `${estimate.recommended.provider} ${estimate.recommended.zone} ${estimate.recommended.instanceType} (${estimate.recommended.market})`),
        ` at ${money(estimate.recommended.pricePerHour)}/h, expected ${money(estimate.recommended.expectedCostPerHour)}/h`)
    : h('p', { testid: `${testid}-none` }, estimate.message ?? 'No offer meets every requirement.',
        ' ', (estimate.rejections ?? []).filter(r => r.removed > 0).map(r => `${r.constraint}: ${r.removed}`).join(', '));
  return h('div', { testid },
    summary,
    h('p', { class: 'muted' }, `${estimate.offersAccepted ?? 0} of ${estimate.offersConsidered ?? 0} offers meet the requirements.`),
    offers.length ? table([
      { title: 'Provider', value: o => o.provider },
      { title: 'Region', value: o => o.region },
      { title: 'Zone', value: o => o.zone },
      { title: 'Type', value: o => o.instanceType },
      { title: 'Market', value: o => o.market },
      { title: 'vCPU', num: true, value: o => o.vCpus },
      { title: 'GB', num: true, value: o => o.memoryGb },
      { title: 'Price/h', num: true, value: o => money(o.pricePerHour) },
      { title: 'Expected/h', num: true, value: o => money(o.expectedCostPerHour) },
      { title: 'Interruptions', num: true, value: o => pct(o.interruptionRate) },
    ], offers, () => ({ 'data-testid': `${testid}-row` })) : null);
}
