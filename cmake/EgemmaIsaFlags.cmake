# Per-tier compile flags of libegemma. Each tier is one translation unit compiled with exactly these flags;
# the library itself and the scalar tier get none, and -march=native is never used: the binary must run on
# every CPU of its architecture and pick the tier at run time (src/egemma.c).
#
# egemma_isa_flags(<tier> <out-var>) sets <out-var> to the flag list of <tier> for the current compiler.

function(egemma_isa_flags tier out)
  set(f_scalar "")
  if(MSVC)
    # MSVC exposes every intrinsic without flags; /arch only lets the optimiser use the ISA elsewhere.
    set(f_avx2 "/arch:AVX2")
    set(f_avx512 "/arch:AVX512")
    set(f_amx "/arch:AVX512")
    set(f_neon "")
    set(f_neon_dotprod "")
  else()
    set(f_avx2 -mavx2 -mfma -mf16c)
    # every AVX-512 VNNI CPU has FMA and F16C; the tier's kernels use both (fp16 scales, fused accumulate)
    set(f_avx512 -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mfma -mf16c)
    set(f_amx -mamx-int8 -mamx-tile -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mfma -mf16c)
    set(f_neon "")
    set(f_neon_dotprod -march=armv8.2-a+dotprod)
  endif()
  if(NOT DEFINED f_${tier})
    message(FATAL_ERROR "unknown egemma tier '${tier}'")
  endif()
  set(${out} ${f_${tier}} PARENT_SCOPE)
endfunction()

# The tiers built for the target architecture (CMAKE_SYSTEM_PROCESSOR; a toolchain file sets it when cross
# compiling).
function(egemma_target_tiers out)
  string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" proc)
  if(CMAKE_OSX_ARCHITECTURES)
    list(LENGTH CMAKE_OSX_ARCHITECTURES n)
    if(n GREATER 1)
      message(FATAL_ERROR "build one architecture per libegemma (CMAKE_OSX_ARCHITECTURES=${CMAKE_OSX_ARCHITECTURES})")
    endif()
    string(TOLOWER "${CMAKE_OSX_ARCHITECTURES}" proc)
  endif()
  if(proc MATCHES "^(x86_64|amd64|x64)$")
    set(${out} scalar avx2 avx512 amx PARENT_SCOPE)
  elseif(proc MATCHES "^(aarch64|arm64)$")
    set(${out} scalar neon neon_dotprod PARENT_SCOPE)
  else()
    message(WARNING "no SIMD tiers for processor '${proc}': scalar only")
    set(${out} scalar PARENT_SCOPE)
  endif()
endfunction()
