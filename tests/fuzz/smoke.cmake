# One bounded fuzzing run for CTest (fuzz.<harness>):
#   cmake -DFUZZER=<harness> -DCORPUS=<dir> -DDICT=<file> -DSCRATCH=<dir>
#         -DSECONDS=<n> -DMAX_LEN=<bytes> -P smoke.cmake
# The scratch folder is emptied first, so every run starts from the
# checked-in corpus and the fixed seed alone: the same inputs each time,
# whatever earlier runs found. A crash fails the test and stays in
# <SCRATCH>/artifacts for reproduction.
foreach(var FUZZER CORPUS DICT SCRATCH SECONDS MAX_LEN)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "smoke.cmake: -D${var}=... is required")
    endif()
endforeach()

file(REMOVE_RECURSE "${SCRATCH}")
file(MAKE_DIRECTORY "${SCRATCH}/new" "${SCRATCH}/artifacts")

# libFuzzer writes new inputs into its first corpus folder only: the scratch
# one, never the checked-in corpus given second.
execute_process(
    COMMAND "${FUZZER}" -seed=1 -max_total_time=${SECONDS} -max_len=${MAX_LEN} -timeout=20
            -rss_limit_mb=2048 -print_final_stats=1 "-dict=${DICT}"
            "-artifact_prefix=${SCRATCH}/artifacts/" "${SCRATCH}/new" "${CORPUS}"
    RESULT_VARIABLE rc)

if(NOT rc EQUAL 0)
    file(GLOB found "${SCRATCH}/artifacts/*")
    message(FATAL_ERROR "fuzzing failed (exit ${rc}); input(s) kept: ${found}\n"
                        "reproduce: ${FUZZER} <input>\n"
                        "keep it as a regression: tests/fuzz/regressions/<harness>/<name>")
endif()
