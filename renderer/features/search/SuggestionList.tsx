interface Props {
  suggestions: string[];
  onPick(username: string): void;
}

/**
 * "Did you mean alice?" under a search that found nothing (issue 15): each suggestion is a
 * button that searches for it; Enter in the box takes the first, Tab reaches them all. A
 * polite live region, so a screen reader hears the offer without leaving the box.
 */
export function SuggestionList({ suggestions, onPick }: Props) {
  return (
    <div className="search-suggestions" aria-live="polite">
      {suggestions.map((name) => (
        <button key={name} type="button" onClick={() => onPick(name)}>
          Did you mean {name}?
        </button>
      ))}
    </div>
  );
}
