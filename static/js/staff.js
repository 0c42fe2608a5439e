// Staff pages: no inline scripts (the Content-Security-Policy allows only our own files).
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]")) {
    event.target.form.submit();
  }
});
