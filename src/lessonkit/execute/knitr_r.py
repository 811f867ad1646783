"""The R side of knitr-style execution: a small helper installed in each IRkernel session.

Each chunk is evaluated by ``evaluate::evaluate`` (the package knitr itself uses, a dependency
of IRkernel), so source, printed output, messages, warnings, errors and plots come back
separately, in order, as knitr sees them. The helper writes one JSON file per chunk, with
figures as PNG files beside it, into a private results folder outside the build copy.
"""

from __future__ import annotations

#: Installed once per session. Everything lives in an attached environment named
#: "lessonkit", so the lesson's code sees an empty global environment.
HELPER = r"""
local({
lk <- new.env()
lk$root <- getwd()
lk$knitr_options <- c("echo", "eval", "include", "results", "error", "warning", "message",
  "fig.alt", "fig.cap", "fig.width", "fig.height", "dpi", "out.width", "collapse", "comment",
  "purl", "fig.show", "fig.keep")
lk$defaults <- function() {
  if (!isNamespaceLoaded("knitr")) return(list())
  o <- knitr::opts_chunk$get()
  o <- o[intersect(names(o), lk$knitr_options)]
  changed <- o[vapply(names(o), function(n) !identical(o[[n]], lk$knitr_start[[n]]), logical(1))]
  Filter(function(v) is.null(v) || is.atomic(v), changed)
}
lk$knitr_start <- list()
lk$condition_text <- function(c, kind) {
  call <- conditionCall(c)
  text <- if (is.null(call)) "" else paste(deparse(call, nlines = 1L), collapse = "")
  # evaluate's own frame (a warning() or stop() at the top level of a chunk), which knitr hides
  if (grepl("^(eval|withVisible|withCallingHandlers)\\(", text)) text <- ""
  where <- if (nzchar(text)) paste0(" in ", text) else ""
  paste0(kind, where, ": ", conditionMessage(c))
}
lk$value <- function(x, visible) {
  if (!visible) return(invisible(NULL))
  if (isNamespaceLoaded("knitr") || inherits(x, c("knitr_kable", "knit_asis"))) {
    out <- knitr::knit_print(x)
    if (inherits(out, "knit_asis")) return(out)
    return(invisible(NULL))
  }
  print(x)
  invisible(NULL)
}
lk$low_change <- function(p1, p2) {
  a <- p1[[1]]; b <- p2[[1]]
  length(b) >= length(a) && all(vapply(seq_along(a), function(i) identical(a[[i]], b[[i]]), logical(1)))
}
lk$inline <- function(code, file) {
  value <- tryCatch(list(ok = TRUE, value = eval(parse(text = code), envir = globalenv())),
                    error = function(e) list(ok = FALSE, value = conditionMessage(e)))
  text <- if (!value$ok) value$value else {
    x <- value$value
    if (isNamespaceLoaded("knitr") && !is.null(knitr::knit_hooks$get("inline"))) {
      x <- knitr::knit_hooks$get("inline")(x)
    } else if (is.numeric(x)) x <- round(x, getOption("digits"))
    paste(as.character(x), collapse = ", ")
  }
  writeLines(jsonlite::toJSON(list(ok = value$ok, text = text), auto_unbox = TRUE), file, useBytes = TRUE)
  invisible(NULL)
}
lk$chunk <- function(code, opts_file, file) {
  o <- jsonlite::fromJSON(opts_file, simplifyVector = TRUE)
  items <- list()
  add <- function(...) items[[length(items) + 1L]] <<- list(...)
  width <- as.numeric(o$fig.width); height <- as.numeric(o$fig.height); dpi <- as.numeric(o$dpi)
  grDevices::pdf(NULL, width = width, height = height)
  grDevices::dev.control("enable")
  device <- grDevices::dev.cur()
  handler <- evaluate::new_output_handler(value = lk$value)
  result <- evaluate::evaluate(code, envir = globalenv(), new_device = FALSE,
    stop_on_error = if (isTRUE(o$error)) 0L else 1L, keep_warning = !isFALSE(o$warning),
    keep_message = !isFALSE(o$message), output_handler = handler)
  if (device %in% grDevices::dev.list()) grDevices::dev.off(device)
  plots <- list()
  for (item in result) {
    if (inherits(item, "source")) add(kind = "source", text = item$src)
    else if (inherits(item, "recordedplot")) {
      last <- length(items)
      while (last > 0 && items[[last]]$kind == "source") last <- last - 1L
      if (last > 0 && items[[last]]$kind == "plot" && lk$low_change(plots[[items[[last]]$index]], item)) {
        # a low-level addition (lines(), points(), ...) to the plot just drawn: keep the final plot only
        plots[[items[[last]]$index]] <- item
      } else {
        plots[[length(plots) + 1L]] <- item
        add(kind = "plot", index = length(plots))
      }
    }
    else if (inherits(item, "knit_asis")) add(kind = "asis", text = paste(as.character(item), collapse = "\n"))
    else if (is.character(item)) add(kind = "text", text = paste(item, collapse = ""))
    else if (inherits(item, "error")) add(kind = "error", text = lk$condition_text(item, "Error"))
    else if (inherits(item, "warning")) add(kind = "warning", text = lk$condition_text(item, "Warning"))
    else if (inherits(item, "message")) add(kind = "message", text = sub("\n$", "", conditionMessage(item)))
  }
  limit <- as.integer(o$max_figures)
  for (i in seq_along(items)) {
    if (items[[i]]$kind != "plot") next
    n <- items[[i]]$index
    if (n > limit) { items[[i]] <- list(kind = "too-many-figures", text = as.character(length(plots))); next }
    path <- file.path(dirname(file), sprintf("%s-%d.png", basename(file), n))
    type <- if (capabilities("cairo")) "cairo" else getOption("bitmapType")
    grDevices::png(path, width = width * dpi, height = height * dpi, res = dpi, type = type)
    tryCatch(grDevices::replayPlot(plots[[n]]), error = function(e) NULL)
    grDevices::dev.off()
    items[[i]]$file <- path
  }
  here <- getwd()
  if (!identical(normalizePath(here), normalizePath(lk$cwd))) setwd(lk$cwd)
  writeLines(jsonlite::toJSON(list(items = items, defaults = lk$defaults(), wd = here),
                              auto_unbox = TRUE, null = "null", digits = NA, force = TRUE),
             file, useBytes = TRUE)
  invisible(NULL)
}
lk$cwd <- getwd()
# quit() would end the session every chunk of the episode shares (knitr would stop the build):
# make it an error that names the chunk and the line.
lk$quit <- lk$q <- function(...) stop("quit() ends the R session that the episode's chunks share; ",
  "lessonkit does not run it", call. = FALSE)
if (requireNamespace("knitr", quietly = TRUE)) {
  lk$knitr_start <- knitr::opts_chunk$get()
  options(knitr.table.format = "pipe")
}
attach(lk, name = "lessonkit", warn.conflicts = FALSE)
})
invisible(NULL)
"""


def r_string(text: str) -> str:
    """``text`` as an R string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    escaped = escaped.replace("\t", "\\t").replace("\x00", "")
    return f'"{escaped}"'
