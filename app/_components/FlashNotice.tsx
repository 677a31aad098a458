"use client";

import { useEffect, useState } from "react";

/**
 * A post/redirect/get notice that belongs to the action just done, not to the page: it takes `?notice=`
 * out of the address at once (a reload or a later action does not bring it back) and goes away as soon as
 * the user submits another form on the page.
 */
export function FlashNotice({ text }: { text: string }) {
  const [shown, setShown] = useState(true);
  useEffect(() => {
    const url = new URL(window.location.href);
    if (url.searchParams.has("notice")) {
      url.searchParams.delete("notice");
      window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
    }
    const hide = () => setShown(false);
    document.addEventListener("submit", hide, true);
    return () => document.removeEventListener("submit", hide, true);
  }, []);
  if (!shown) return null;
  return (
    <div className="notice" role="status">
      <p>{text}</p>
    </div>
  );
}
