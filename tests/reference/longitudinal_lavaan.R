# Reference values for tests/analysis/test_longitudinal.py, computed by lavaan,
# semTools, psych and R's stats themselves.
#
# Run from the repository root (needs R with lavaan 0.6.14, semTools 0.5.6,
# psych 2.2.9, psychTools and jsonlite, e.g. Debian's r-base-core
# r-cran-lavaan r-cran-semtools r-cran-psych r-cran-psychtools r-cran-jsonlite):
#
#     Rscript tests/reference/longitudinal_lavaan.R
#
# It writes tests/reference/longitudinal_lavaan.json and the data,
# tests/reference/longitudinal_sai.csv: psychTools::sai (Revelle's state
# anxiety items, four-point codes 1-4) in the stacked form the Python
# functions take, one row per person per occasion:
#
# * set "paired": every study of sai with a first and a second occasion
#   (time 1 and 2), both occasions of each person (subject = study-id; the one
#   person recorded twice at one occasion, FLAT-?, is dropped whole), missing
#   answers as they ship;
# * set "single": the study CITY, which has one occasion only (time 1): people
#   with no second wave, whom full-information ML uses and listwise deletion drops.
#
# Items: calm, at_ease, relaxed (a "calm" factor) and tense, anxious, nervous
# (a "tense" factor); `anxiety` is the mean of the tense items (a person's score,
# NA when one is missing).
#
# The ladder is semTools::measEq.syntax(ID.fac = "std.lv", longFacNames =,
# longIndNames =, auto = 1, long.equal = ...) fitted by lavaan::cfa: ML on
# complete cases (the set "paired"), ML with missing = "ml" (both sets), and
# WLSMV with ordered items (delta parameterization, ID.cat =
# "Wu.Estabrook.2016", the set "paired", complete cases); differences are
# lavTestLRT's defaults.  ICC: psych::ICC(lmer = FALSE) on the complete pairs;
# paired tests: t.test(paired = TRUE) and wilcox.test(paired = TRUE, exact =
# FALSE, correct = TRUE) of post - pre; dz; the Jacobson-Truax RCI with a
# reliability of 0.8.
suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(psych)
  library(jsonlite)
})

out_dir <- "tests/reference"
data(sai, package = "psychTools")
items <- c("calm", "at_ease", "relaxed", "tense", "anxious", "nervous")
names(sai)[names(sai) == "at.ease"] <- "at_ease"
sai$subject <- paste(sai$study, sai$id, sep = "-")

two <- names(which(tapply(sai$time == 2, sai$study, any)))
paired <- sai[sai$time %in% c(1, 2) & sai$study %in% two, c("subject", "time", items)]
twice <- unique(paired$subject[duplicated(paired[, c("subject", "time")])])
paired <- paired[!paired$subject %in% twice, ]
paired$set <- "paired"
single <- sai[sai$study == "CITY", c("subject", "time", items)]
single$set <- "single"
stacked <- rbind(paired, single)
stacked$anxiety <- rowMeans(stacked[, c("tense", "anxious", "nervous")])
rownames(stacked) <- NULL
write.csv(stacked, file.path(out_dir, "longitudinal_sai.csv"), row.names = FALSE, na = "")
# everything below reads the file back, so that R and Python start from the same numbers
stacked <- read.csv(file.path(out_dir, "longitudinal_sai.csv"))

wide_of <- function(d) {
  w1 <- d[d$time == 1, c("subject", items)]
  w2 <- d[d$time == 2, c("subject", items)]
  names(w1)[-1] <- paste0(items, ".1")
  names(w2)[-1] <- paste0(items, ".2")
  merge(w1, w2, by = "subject", all = TRUE, sort = TRUE)
}

factors <- list(calm = c("calm", "at_ease", "relaxed"), tense = c("tense", "anxious", "nervous"))
model <- paste(unlist(lapply(1:2, function(t) sprintf("%s%d =~ %s", names(factors), t,
  vapply(factors, function(i) paste0(i, ".", t, collapse = " + "), "")))), collapse = "\n")
long_fac <- lapply(names(factors), function(f) paste0(f, 1:2))
names(long_fac) <- names(factors)
long_ind <- lapply(items, function(i) paste0(i, ".", 1:2))
names(long_ind) <- items

fit_names <- c("npar", "ntotal", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")
ord_names <- c(fit_names, "chisq.scaled", "df.scaled", "pvalue.scaled", "cfi.scaled",
               "tli.scaled", "rmsea.scaled")

describe <- function(fit, names) {
  pe <- parameterEstimates(fit)
  lv <- lavNames(fit, "lv")
  list(fit = as.list(fitMeasures(fit, names)),
       converged = lavInspect(fit, "converged"),
       loadings = pe[pe$op == "=~", c("lhs", "rhs", "est", "se")],
       latent_means = pe[pe$op == "~1" & pe$lhs %in% lv, c("lhs", "est", "se", "z", "pvalue")],
       factor_cov = pe[pe$op == "~~" & pe$lhs %in% lv, c("lhs", "rhs", "est", "se")])
}

ladder <- function(wide, steps, names, fit_args = list(), id_args = list()) {
  fits <- lapply(steps, function(eq) {
    syntax <- do.call("measEq.syntax", c(list(configural.model = model, data = wide,
                      ID.fac = "std.lv", longFacNames = long_fac, longIndNames = long_ind,
                      auto = 1L, long.equal = eq), fit_args, id_args))
    do.call("cfa", c(list(as.character(syntax), data = wide), fit_args))
  })
  out <- lapply(fits, describe, names = names)
  for (i in 2:length(fits)) {
    lrt <- lavTestLRT(fits[[i - 1]], fits[[i]])
    out[[i]]$lrt <- list(delta_chi2 = lrt[["Chisq diff"]][2], delta_df = lrt[["Df diff"]][2],
                         delta_p = lrt[["Pr(>Chisq)"]][2])
  }
  out
}

ml_steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))
ord_steps <- list(configural = "", thresholds = "thresholds",
                  loadings = c("thresholds", "loadings"),
                  intercepts = c("thresholds", "loadings", "intercepts"))
wide_paired <- wide_of(stacked[stacked$set == "paired", ])
complete <- wide_paired[complete.cases(wide_paired), ]
ind <- unlist(long_ind)

ref <- list(
  factors = factors,
  n_complete = nrow(complete),
  ml = ladder(complete, ml_steps, fit_names),
  fiml = ladder(wide_of(stacked), ml_steps, fit_names, list(missing = "ml")),
  ordinal = ladder(complete, ord_steps, ord_names,
                   list(ordered = ind, parameterization = "delta"),
                   list(ID.cat = "Wu.Estabrook.2016"))
)

# ---- the scale score: ICC, paired tests, reliable change (complete pairs)
score <- reshape(stacked[stacked$set == "paired", c("subject", "time", "anxiety")],
                 idvar = "subject", timevar = "time", direction = "wide")
score <- score[order(score$subject), ]
score <- score[complete.cases(score), ]
pre <- score$anxiety.1
post <- score$anxiety.2
icc <- psych::ICC(cbind(pre, post), lmer = FALSE)$results
tt <- t.test(post, pre, paired = TRUE)
wt <- wilcox.test(post, pre, paired = TRUE, exact = FALSE, correct = TRUE)
d <- post - pre
reliability <- 0.8
rci <- d / (sd(pre) * sqrt(2) * sqrt(1 - reliability))
ref$icc <- list(type = icc$type, icc = icc$ICC, F = icc$F, df1 = icc$df1, df2 = icc$df2,
                p = icc$p, lower = icc[["lower bound"]], upper = icc[["upper bound"]])
ref$paired <- list(n = length(d), mean_diff = unname(tt$estimate), ci_lower = tt$conf.int[1],
                   ci_upper = tt$conf.int[2], t = unname(tt$statistic),
                   df = unname(tt$parameter), p = tt$p.value,
                   wilcoxon_v = unname(wt$statistic), wilcoxon_p = wt$p.value,
                   dz = mean(d) / sd(d))
ref$rci <- list(reliability = reliability, subject = score$subject, rci = rci,
                category = ifelse(abs(rci) > 1.96, ifelse(rci > 0, "improved", "deteriorated"),
                                  "unchanged"))

# Round before writing: 10 significant digits keep every comparison far inside its
# tolerance and leave the golden file stable across platforms.
round_all <- function(x) {
  if (is.list(x)) return(lapply(x, round_all))
  if (is.double(x)) return(signif(x, 10))
  x
}
writeLines(toJSON(round_all(ref), digits = NA, auto_unbox = TRUE, null = "null", na = "null",
                  dataframe = "columns", pretty = TRUE),
           file.path(out_dir, "longitudinal_lavaan.json"))
