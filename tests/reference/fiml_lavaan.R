# Reference values for tests/analysis/test_fiml.py, computed by lavaan itself.
#
# Run from the repository root (needs R with lavaan, psych and jsonlite, e.g.
# Debian's r-base-core r-cran-lavaan r-cran-psych r-cran-jsonlite):
#
#     Rscript tests/reference/fiml_lavaan.R
#
# It writes tests/reference/fiml_bfi.csv (psych::bfi: the agreeableness,
# conscientiousness and extraversion items A1..E5 and gender, 2800 rows; 2.4 %
# of the rows miss one or more of these items; rows missing every item are
# kept, lavaan drops them) and tests/reference/fiml_lavaan.json.
# Fits: lavaan::cfa(missing = "ml") with its defaults for it (ML, information
# "observed" from the Hessian, saturated h1 by EM, meanstructure), and the
# invariance ladder across gender.  The optimiser and the EM for h1 are told to
# go further (BFGS with reltol 1e-14; em.h1 tolerance 1e-12), so that the
# reference is the optimum itself; the default run's chi-square is stored as
# well ("default_chisq") to show how far lavaan's own stopping rules are.
suppressPackageStartupMessages({
  library(lavaan)
  library(psych)
  library(jsonlite)
})

out_dir <- "tests/reference"
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5))
bfi_data <- psych::bfi[, c(items, "gender")]
bfi_data$gender <- ifelse(bfi_data$gender == 1, "male", "female")
# a few rows with every item missing (lavaan drops them, with a warning)
bfi_data[c(5, 17), items] <- NA
write.csv(bfi_data, file.path(out_dir, "fiml_bfi.csv"), row.names = FALSE, na = "")

measures <- c("npar", "ntotal", "chisq", "df", "pvalue", "cfi", "tli", "rmsea",
              "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "aic", "bic", "logl",
              "unrestricted.logl", "baseline.chisq", "baseline.df")
robust <- c("chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
            "cfi.scaled", "tli.scaled", "rmsea.scaled", "cfi.robust", "tli.robust",
            "rmsea.robust", "srmr")

describe <- function(fit, which = measures) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (is.null(pe$group)) pe$group <- 1L
  list(fit = as.list(fitMeasures(fit, which)),
       converged = lavInspect(fit, "converged"),
       groups = lavInspect(fit, "group.label"),
       nobs = as.list(lavInspect(fit, "nobs")),
       information = lavInspect(fit, "options")$information,
       params = pe[, c("lhs", "op", "rhs", "group", "est", "se", "z", "pvalue", "std.all")])
}

tight <- function(...) lavaan::cfa(..., optim.method = "BFGS",
                                   control = list(reltol = 1e-14, maxit = 100000),
                                   em.h1.iter.max = 100000L, em.h1.tol = 1e-12)

model <- "agree =~ A1 + A2 + A3 + A4 + A5
          consc =~ C1 + C2 + C3 + C4 + C5
          extra =~ E1 + E2 + E3 + E4 + E5"

one <- suppressWarnings(tight(model, data = bfi_data, missing = "ml"))
default <- suppressWarnings(lavaan::cfa(model, data = bfi_data, missing = "ml"))
mlr <- suppressWarnings(tight(model, data = bfi_data, missing = "ml", estimator = "MLR"))
steps <- list(configural = "none", metric = "loadings",
              scalar = c("loadings", "intercepts"),
              strict = c("loadings", "intercepts", "residuals"))
ladder <- lapply(steps, function(eq) describe(suppressWarnings(
  tight(model, data = bfi_data, missing = "ml", group = "gender", group.equal = eq))))

out <- list(
  lavaan_version = as.character(packageVersion("lavaan")),
  factors = list(agree = items[1:5], consc = items[6:10], extra = items[11:15]),
  one_group = describe(one),
  default_chisq = unname(fitMeasures(default, "chisq")),
  mlr = describe(mlr, c(measures, robust)),
  ladder = ladder
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(out_dir, "fiml_lavaan.json"))
