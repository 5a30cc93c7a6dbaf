# Post-build step: copies the built library into the Maven resource layout
# (META-INF/native/<os>-<arch>/<file>) with its SHA-256 beside it (<file>.sha256: "<hex>  <file>"), and a
# properties file naming the version. Run as: cmake -DLIB=... -DDEST=... -DVERSION=... -P stage.cmake
if(NOT LIB OR NOT DEST)
  message(FATAL_ERROR "stage.cmake needs -DLIB=<built library> -DDEST=<directory>")
endif()
get_filename_component(name "${LIB}" NAME)
file(MAKE_DIRECTORY "${DEST}")
file(COPY_FILE "${LIB}" "${DEST}/${name}" ONLY_IF_DIFFERENT)
file(SHA256 "${DEST}/${name}" sha)
file(WRITE "${DEST}/${name}.sha256" "${sha}  ${name}\n")
file(WRITE "${DEST}/egemma-native.properties" "version=${VERSION}\nlibrary=${name}\nsha256=${sha}\n")
message(STATUS "egemma: staged ${DEST}/${name} (sha256 ${sha})")
