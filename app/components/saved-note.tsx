/**
 * The confirmation after a save, next to what was saved. One small component
 * so a page-wide toast can replace it in one place.
 */
export function SavedNote({ show, children = "Saved" }: { show: boolean; children?: string }) {
  if (!show) return null;
  return (
    <span role="status" className="saved-note" data-testid="saved-note">
      ✓ {children}
    </span>
  );
}
