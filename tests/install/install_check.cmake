# Installs the build tree into a scratch DESTDIR and checks that every shipped
# file lands in its conventional place (GNUInstallDirs).
# Usage: cmake -DBUILD_DIR=... -DDEST=... -DSYSCONFDIR=... -DSBINDIR=... -DBINDIR=...
#              -DDATADIR=... -P install_check.cmake
file(REMOVE_RECURSE "${DEST}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}"
                RESULT_VARIABLE rc OUTPUT_QUIET
                COMMAND_ECHO NONE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
set(expected
  "${SBINDIR}/periscope-subagent"
  "${BINDIR}/periscope-walk"
  "${BINDIR}/periscope-report"
  "${BINDIR}/periscope-factory"
  "${BINDIR}/periscope-portal"
  "${BINDIR}/periscope-claim"
  "${SYSCONFDIR}/periscope/periscope-claim.xml"
  "${SYSCONFDIR}/periscope/claim-rules.xml"
  "${SYSCONFDIR}/periscope/periscope-report.xml"
  "${SYSCONFDIR}/periscope/catalog.xml"
  "${DATADIR}/snmp/mibs/PERISCOPE-MIB.txt"
  "${SYSCONFDIR}/periscope/periscope-subagent.xml"
  "${SYSCONFDIR}/periscope/periscope-portal.xml"
  "${DATADIR}/doc/periscope/examples/nginx-periscope-portal.conf"
  "${DATADIR}/doc/periscope/examples/snmpd.conf.periscope")
foreach(f IN LISTS expected)
  if(NOT EXISTS "${DEST}${f}")
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
file(GLOB_RECURSE units "${DEST}/*periscope-subagent.service")
if(NOT units)
  message(FATAL_ERROR "systemd unit not installed")
endif()
file(READ "${units}" unit)
if(NOT unit MATCHES "ExecStart=${SBINDIR}/periscope-subagent -f -c ${SYSCONFDIR}/periscope/")
  message(FATAL_ERROR "systemd unit does not point at the installed binary and config")
endif()
file(GLOB_RECURSE portal_units "${DEST}/*periscope-portal.service")
if(NOT portal_units)
  message(FATAL_ERROR "portal systemd unit not installed")
endif()
file(READ "${portal_units}" portal_unit)
if(NOT portal_unit MATCHES "ExecStart=${BINDIR}/periscope-portal -c ${SYSCONFDIR}/periscope/periscope-portal.xml serve")
  message(FATAL_ERROR "portal systemd unit does not point at the installed binary and config")
endif()
file(REMOVE_RECURSE "${DEST}")
message(STATUS "install layout ok")
