# Reference for benchlearn.surveys.raking: raked weights, weighted mean and its
# linearization SE as R's survey package defines them:
#   des <- svydesign(ids = ~1, weights = ~d, data = s)
#   cal <- calibrate(des, ~ v1 + v2 [+ v3], population = totals, calfun = "raking")
#   svymean(~y, cal)                      (whole sample)
#   svymean(~y, subset(cal, domain))      (a domain: respondents who answered)
# Run from this folder:  Rscript make_reference.R   (R 4.2, survey 4.1-1)
# Writes samples.csv (inputs: case, row, y, d, v1..v3, domain), margins.csv (case,
# variable, category, share) and expected.csv (case, mean, se, and per row the weight
# in weights.csv). CI does not need R: the test reads the stored CSVs.
suppressMessages(library(survey))
set.seed(20261201)

cases <- list(
  list(id = "two_margins_n40",   n = 40,  vars = 2, design = FALSE, domain = FALSE),
  list(id = "two_margins_n40_b", n = 40,  vars = 2, design = FALSE, domain = FALSE),
  list(id = "three_margins_n60", n = 60,  vars = 3, design = FALSE, domain = FALSE),
  list(id = "three_margins_design_n120", n = 120, vars = 3, design = TRUE, domain = FALSE),
  list(id = "two_margins_domain_n80", n = 80, vars = 2, design = FALSE, domain = TRUE),
  list(id = "three_margins_design_domain_n200", n = 200, vars = 3, design = TRUE, domain = TRUE),
  list(id = "skewed_two_margins_n50", n = 50, vars = 2, design = TRUE, domain = FALSE)
)
levels_of <- list(v1 = c("a", "b", "c"), v2 = c("K", "M"), v3 = c("16-29", "30-49", "50-66"))
sample_p <- list(v1 = c(0.55, 0.30, 0.15), v2 = c(0.7, 0.3), v3 = c(0.2, 0.3, 0.5))
target_p <- list(v1 = c(0.30, 0.45, 0.25), v2 = c(0.5, 0.5), v3 = c(0.3, 0.4, 0.3))

samples <- list(); margins <- list(); expected <- list(); weights <- list()
for (cs in cases) {
  n <- cs$n
  vars <- paste0("v", seq_len(cs$vars))
  s <- data.frame(row = seq_len(n) - 1L)
  for (v in vars) s[[v]] <- factor(sample(levels_of[[v]], n, TRUE, sample_p[[v]]), levels = levels_of[[v]])
  # the answer depends on the raking variables (so raking changes the variance) plus noise
  eff <- c(a = 0, b = 0.6, c = -0.4)[as.character(s$v1)] + ifelse(s$v2 == "M", 0.5, 0)
  if ("v3" %in% vars) eff <- eff + c("16-29" = -0.3, "30-49" = 0, "50-66" = 0.4)[as.character(s$v3)]
  s$y <- round(pmin(5, pmax(1, 3 + eff + rnorm(n, 0, 0.9))))
  s$d <- if (cs$design) round(runif(n, 0.5, 3), 3) else 1
  if (cs$id == "skewed_two_margins_n50") s$d <- round(rexp(n, 1) + 0.2, 3)
  s$domain <- if (cs$domain) runif(n) > 0.25 else TRUE
  des <- svydesign(ids = ~1, weights = ~d, data = s)
  N <- sum(s$d)
  pop <- c(`(Intercept)` = N)
  for (v in vars) {
    p <- target_p[[v]]
    names(p) <- levels_of[[v]]
    pop <- c(pop, setNames(N * p[-1], paste0(v, levels_of[[v]][-1])))
    margins[[length(margins) + 1]] <- data.frame(case = cs$id, variable = v, category = levels_of[[v]], share = p)
  }
  f <- as.formula(paste("~", paste(vars, collapse = " + ")))
  cal <- calibrate(des, f, population = pop, calfun = "raking", epsilon = 1e-13, maxit = 200)
  est <- if (cs$domain) svymean(~y, subset(cal, domain)) else svymean(~y, cal)
  expected[[length(expected) + 1]] <- data.frame(case = cs$id, mean = sprintf("%.17g", coef(est)),
                                                 se = sprintf("%.17g", SE(est)),
                                                 se_uncalibrated = sprintf("%.17g", SE(svymean(~y, if (cs$domain) subset(des, domain) else des))))
  out <- data.frame(case = cs$id, row = s$row, y = s$y, d = s$d, domain = s$domain)
  for (v in c("v1", "v2", "v3")) out[[v]] <- if (v %in% vars) as.character(s[[v]]) else NA
  samples[[length(samples) + 1]] <- out
  weights[[length(weights) + 1]] <- data.frame(case = cs$id, row = s$row, weight = sprintf("%.17g", weights(cal)))
}
write.csv(do.call(rbind, samples), "samples.csv", row.names = FALSE, na = "")
write.csv(do.call(rbind, margins), "margins.csv", row.names = FALSE)
write.csv(do.call(rbind, expected), "expected.csv", row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, weights), "weights.csv", row.names = FALSE, quote = FALSE)
