import { useEffect } from 'react';

/** Sets the browser tab title for a page ("Profile · Gatehouse"). */
export function useDocumentTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · Gatehouse` : 'Gatehouse';
  }, [title]);
}
