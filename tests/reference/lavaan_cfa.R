# Reference values for tests/test_cfa.py, computed by lavaan itself.
#
# Run from the repository root (needs R with lavaan and jsonlite, e.g. Debian's
# r-base-core r-cran-lavaan r-cran-jsonlite):
#
#     Rscript tests/reference/lavaan_cfa.R
#
# It writes tests/reference/holzinger_lavaan.csv (lavaan's HolzingerSwineford1939:
# x1..x9 and school, 301 rows) and tests/reference/lavaan_cfa.json.  The demo
# data, tests/reference/demo_lavaan.csv, was drawn by
# analysis.make_demo(n=1200, seed=14) (the 32 orientation items as answer codes
# and work_mode, rows with work_mode hybrid or remote); reverse-keyed items are
# reflected here as 6 - code, as analysis.scoring does.  All fits use lavaan's
# defaults: ML, listwise deletion, likelihood "normal", expected information,
# marker-variable identification, correlated factors, mean structure when
# grouped; group order = order of first appearance in the data.  Only the
# optimiser is told to go further: lavaan's BFGS (optim.method = "BFGS") with a
# relative tolerance of 1e-14, because nlminb's default stopping rule leaves the
# demo configural fit 1.5e-6 above the minimum chi-square (two standardized
# loadings then differ by 3e-5 from the optimum).  The chi-squares agree with
# the default run to 2e-9 (relative); tighter nlminb tolerances only warn.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

out_dir <- "tests/reference"
measures <- c("npar", "ntotal", "chisq", "df", "pvalue", "cfi", "tli", "rmsea",
              "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "aic", "bic", "logl",
              "baseline.chisq", "baseline.df")

describe <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$group)) pe$group <- 1L
  lv <- lavNames(fit, "lv")
  load <- pe[pe$op == "=~", c("lhs", "rhs", "group", "est", "se", "z", "pvalue", "std.all")]
  cors <- pe[pe$op == "~~" & pe$lhs %in% lv & pe$rhs %in% lv & pe$lhs != pe$rhs,
             c("lhs", "rhs", "group", "est", "std.all")]
  list(fit = as.list(fitMeasures(fit, measures)),
       converged = lavInspect(fit, "converged"),
       groups = lavInspect(fit, "group.label"),
       loadings = load, factor_correlations = cors)
}

cfa <- function(...) lavaan::cfa(..., optim.method = "BFGS",
                                 control = list(reltol = 1e-14, maxit = 100000))

ladder <- function(model, data, group) {
  steps <- list(configural = "none", metric = "loadings",
                scalar = c("loadings", "intercepts"),
                strict = c("loadings", "intercepts", "residuals"))
  lapply(steps, function(eq) describe(cfa(model, data = data, group = group,
                                          group.equal = eq)))
}

# HolzingerSwineford1939: the classic three-factor model, and across schools.
hs <- HolzingerSwineford1939[, c(paste0("x", 1:9), "school")]
hs$school <- as.character(hs$school)
write.csv(hs, file.path(out_dir, "holzinger_lavaan.csv"), row.names = FALSE)
hs_model <- "visual =~ x1 + x2 + x3
             textual =~ x4 + x5 + x6
             speed =~ x7 + x8 + x9"

# The demo data: the instrument's two correlated orientations.
demo <- read.csv(file.path(out_dir, "demo_lavaan.csv"), stringsAsFactors = FALSE)
reverse <- c("net_purpose_2", "soc_purpose_2", "net_context_2", "soc_context_2",
             "soc_interaction_2", "soc_outcome_2", "net_online_2", "soc_online_2",
             "net_sharing_2", "soc_sharing_2", "net_bound_2", "soc_bound_2")
for (r in reverse) demo[[r]] <- 6 - demo[[r]]
items <- setdiff(names(demo), "work_mode")
net <- items[startsWith(items, "net_")]
soc <- items[startsWith(items, "soc_")]
demo_model <- paste0("networking =~ ", paste(net, collapse = " + "), "\n",
                     "socializing =~ ", paste(soc, collapse = " + "))

ref <- list(
  lavaan_version = as.character(packageVersion("lavaan")),
  holzinger = list(single = describe(cfa(hs_model, data = hs)),
                   ladder = ladder(hs_model, hs, "school"),
                   metric_only = describe(cfa(hs_model, data = hs, group = "school",
                                              group.equal = "loadings"))),
  demo = list(single = describe(cfa(demo_model, data = demo)),
              ladder = ladder(demo_model, demo, "work_mode"))
)
write_json(ref, file.path(out_dir, "lavaan_cfa.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE, dataframe = "rows")
cat("wrote", file.path(out_dir, "lavaan_cfa.json"), "\n")
