import { useSearchStore } from '../../state/search-store.ts';
import { FILTER_LABELS, FILTERS } from './filters.ts';

/** The filters of SPEC §3 as checkboxes: each narrows the results to accounts in that state. */
export function FilterBar() {
  const filters = useSearchStore((s) => s.filters);
  const toggle = useSearchStore((s) => s.toggleFilter);
  return (
    <fieldset className="filters">
      <legend>Only accounts that are</legend>
      {FILTERS.map((f) => (
        <label key={f} className="filter">
          <input type="checkbox" checked={filters.includes(f)} onChange={() => toggle(f)} />
          {FILTER_LABELS[f]}
        </label>
      ))}
    </fieldset>
  );
}
