// Sets the colour scheme attribute before the app loads so the page does not
// flash in the wrong theme. Same key and values as src/theme.ts.
(function () {
  var scheme = 'light';
  try {
    var saved = window.localStorage.getItem('gatehouse.theme');
    if (saved === 'light' || saved === 'dark') {
      scheme = saved;
    } else if (window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches) {
      scheme = 'dark';
    }
  } catch (e) {
    /* storage disabled: keep the default */
  }
  document.documentElement.setAttribute('data-mantine-color-scheme', scheme);
})();
