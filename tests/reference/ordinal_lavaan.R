# Reference values for tests/analysis/test_ordinal*.py, computed by lavaan,
# semTools and psych themselves.
#
# Run from the repository root (needs R with lavaan 0.6.14, semTools 0.5.6,
# psych 2.2.9, psychTools and jsonlite, e.g. Debian's r-base-core
# r-cran-lavaan r-cran-semtools r-cran-psych r-cran-psychtools r-cran-jsonlite):
#
#     Rscript tests/reference/ordinal_lavaan.R
#
# It writes tests/reference/ordinal_lavaan.json and two data files:
#
# * ordinal_bfi.csv: psych::bfi, the 25 six-point personality items and gender
#   (1 -> "male", 2 -> "female"), complete cases (2436 rows); reverse-keyed
#   items (A1 C4 C5 E1 E2 O2 O5) reflected as 7 - code, so every marker
#   loading is positive.  The SAPA data are openly licensed (psych is GPL).
# * ordinal_spi.csv: psychTools::spi, ten six-point SAPA Personality Inventory
#   items (five positively keyed Neuroticism and five Conscientiousness items of
#   spi.keys) and sex (1 -> "male", 2 -> "female"): 1,000 complete cases drawn
#   with set.seed(24), so the file stays small.
#
# The demo data is tests/reference/demo_lavaan.csv (see lavaan_cfa.R), reverse
# keyed as 6 - code; complete cases only.  The sparse case is the first 40 rows
# of psych::bfi's five Extraversion items as they ship (not keyed, one value
# missing): 40 rows in 36 cells per table leave many cells empty, and psych
# counts each table over the rows where both items are present while lavaan
# keeps the 39 complete rows, so the two estimates differ (by up to 0.034).
# (psych 2.2.9 stops with an error on sparse items whose numbers of categories
# differ -- its per-table 0.5 correction pushes a cumulative proportion past 1 --
# so that path cannot serve as a reference.)
#
# Every WLSMV fit is lavaan's default for ordered data: estimator "WLSMV"
# (DWLS estimates, robust standard errors, scaled-shifted test), delta
# parameterization, marker identification in cfa(); the invariance ladder is
# semTools::measEq.syntax(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016",
# parameterization = "delta") and the differences are lavTestLRT's defaults.
suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(psych)
  library(jsonlite)
})

out_dir <- "tests/reference"

fit_names <- c("npar", "ntotal", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled",
               "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq", "baseline.df",
               "baseline.chisq.scaled", "baseline.df.scaled", "cfi", "tli", "cfi.scaled",
               "tli.scaled", "rmsea", "rmsea.scaled", "rmsea.ci.lower.scaled",
               "rmsea.ci.upper.scaled", "srmr")

mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) unname(m[i, ])))

describe <- function(fit, full = TRUE) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$group)) pe$group <- 1L
  lv <- lavNames(fit, "lv")
  test <- lavInspect(fit, "test")
  out <- list(fit = as.list(fitMeasures(fit, fit_names)),
       shift = test$scaled.shifted$shift.parameter,
       converged = lavInspect(fit, "converged"),
       groups = lavInspect(fit, "group.label"),
       loadings = pe[pe$op == "=~", c("lhs", "rhs", "group", "est", "se", "std.all")],
       thresholds = pe[pe$op == "|", c("lhs", "rhs", "group", "est", "se")],
       factor_cov = pe[pe$op == "~~" & pe$lhs %in% lv & pe$rhs %in% lv,
                       c("lhs", "rhs", "group", "est", "se", "std.all")])
  if (!full) out$thresholds <- out$factor_cov <- NULL  # the ladder: fit and loadings only
  out
}

model_of <- function(factors) {
  paste(sprintf("%s =~ %s", names(factors),
                vapply(factors, paste, "", collapse = " + ")), collapse = "\n")
}

polychorics <- function(x, nacov = FALSE, cfa_fit = NULL) {
  x <- as.data.frame(x)
  fit <- lavCor(x, ordered = names(x), output = "fit")
  th <- lavInspect(fit, "sampstat")$th
  out <- list(items = names(x),
              lavaan_rho = mat(lavInspect(fit, "sampstat")$cov),
              lavaan_th = unname(as.numeric(th)),
              lavaan_th_names = names(th))
  if (!is.null(cfa_fit)) {  # the NACOV of (thresholds, polychorics) behind the WLSMV fit
    gamma <- lavInspect(cfa_fit, "gamma")
    out$lavaan_nacov_diag <- unname(diag(gamma))
    # a threshold row and correlation rows in full (the whole matrix would be large)
    if (nacov) out$lavaan_nacov_rows <- list(index = c(1L, 6L, 51L, nrow(gamma)),
                                              rows = mat(gamma[c(1, 6, 51, nrow(gamma)), ]))
    out$lavaan_wls_obs <- unname(as.numeric(lavInspect(cfa_fit, "wls.obs")))
  }
  pc <- suppressWarnings(psych::polychoric(x))
  out$psych_rho <- mat(unname(pc$rho))
  out$psych_tau <- mat(unname(pc$tau))
  out
}

ladder <- function(factors, data, group) {
  items <- unlist(factors)
  steps <- list(configural = "", thresholds = "thresholds",
                loadings = c("thresholds", "loadings"),
                intercepts = c("thresholds", "loadings", "intercepts"))
  fits <- lapply(steps, function(eq) {
    measEq.syntax(configural.model = model_of(factors), data = data, ordered = items,
                  parameterization = "delta", ID.fac = "std.lv",
                  ID.cat = "Wu.Estabrook.2016", group = group, group.equal = eq,
                  return.fit = TRUE)
  })
  out <- lapply(fits, describe, full = FALSE)
  for (i in 2:length(fits)) {
    lrt <- lavTestLRT(fits[[i - 1]], fits[[i]])
    out[[i]]$lrt <- list(delta_chi2 = lrt[["Chisq diff"]][2], delta_df = lrt[["Df diff"]][2],
                         delta_p = lrt[["Pr(>Chisq)"]][2])
  }
  out
}

reliability <- function(fit, data, factors) {
  omega <- compRelSEM(fit)
  alpha <- vapply(factors, function(items) {
    suppressWarnings(psych::alpha(psych::polychoric(data[, items])$rho)$total$raw_alpha)
  }, 0)
  list(omega = as.list(omega), ordinal_alpha = as.list(alpha))
}

case <- function(data, factors, group = NULL, nacov = FALSE) {
  items <- unlist(factors)
  x <- data[, items]
  fit <- cfa(model_of(factors), data = data, ordered = items)
  out <- list(factors = factors, polychoric = polychorics(x, nacov, fit), cfa = describe(fit),
              reliability = reliability(fit, data, factors))
  if (!is.null(group)) out$ladder <- ladder(factors, data, group)
  out
}

# ---- psych::bfi
bfi_items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5),
               paste0("O", 1:5))
b <- psych::bfi[, c(bfi_items, "gender")]
b <- b[complete.cases(b), ]
for (r in c("A1", "C4", "C5", "E1", "E2", "O2", "O5")) b[[r]] <- 7L - b[[r]]
b$gender <- ifelse(b$gender == 1, "male", "female")
rownames(b) <- NULL
write.csv(b, file.path(out_dir, "ordinal_bfi.csv"), row.names = FALSE)
bfi_factors <- list(agreeableness = paste0("A", c(2, 1, 3:5)),
                    conscientiousness = paste0("C", 1:5), extraversion = paste0("E", c(3, 1, 2, 4, 5)),
                    neuroticism = paste0("N", 1:5), openness = paste0("O", 1:5))

# ---- psychTools::spi
data(spi, package = "psychTools")
spi_items <- c("q_979", "q_4252", "q_1989", "q_1505", "q_4249",
               "q_1290", "q_1744", "q_1979", "q_1915", "q_1201")
s <- spi[, c(spi_items, "sex")]
s <- s[complete.cases(s), ]
set.seed(24)
s <- s[sort(sample(nrow(s), 1000)), ]
s$sex <- ifelse(s$sex == 1, "male", "female")
rownames(s) <- NULL
write.csv(s, file.path(out_dir, "ordinal_spi.csv"), row.names = FALSE)
spi_factors <- list(neuroticism = spi_items[1:5], conscientiousness = spi_items[6:10])

# ---- demo data (lavaan_cfa.R's file)
demo <- read.csv(file.path(out_dir, "demo_lavaan.csv"), stringsAsFactors = FALSE)
reverse <- c("net_purpose_2", "soc_purpose_2", "net_context_2", "soc_context_2",
             "soc_interaction_2", "soc_outcome_2", "net_online_2", "soc_online_2",
             "net_sharing_2", "soc_sharing_2", "net_bound_2", "soc_bound_2")
for (r in reverse) demo[[r]] <- 6 - demo[[r]]
demo <- demo[complete.cases(demo), ]
demo_items <- setdiff(names(demo), "work_mode")
demo_factors <- list(networking = demo_items[startsWith(demo_items, "net_")],
                     socializing = demo_items[startsWith(demo_items, "soc_")])

# ---- sparse: 40 rows, empty cells, one missing value
sparse <- psych::bfi[1:40, paste0("E", 1:5)]

ref <- list(
  lavaan_version = as.character(packageVersion("lavaan")),
  semtools_version = as.character(packageVersion("semTools")),
  psych_version = as.character(packageVersion("psych")),
  spi = case(s, spi_factors, "sex", nacov = TRUE),
  bfi = case(b, bfi_factors, "gender"),
  demo = case(demo, demo_factors, "work_mode"),
  sparse = list(data = mat(as.matrix(sparse)), polychoric = polychorics(sparse))
)
writeLines(toJSON(ref, digits = NA, auto_unbox = TRUE, null = "null", na = "null",
                  dataframe = "columns"),
           file.path(out_dir, "ordinal_lavaan.json"))
